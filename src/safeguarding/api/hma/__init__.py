"""HMA 2.x's API (Meta's Hasher-Matcher-Actioner, `OpenMediaMatch/blueprints/`), spoken
over our banks, matcher and API keys, mounted at `settings.hma_prefix` (default /hma) by
`safeguarding.server`: `/h/hash`, `/m/lookup`, `/m/raw_lookup`, `/m/index/status`,
`/m/compare`, `/c/banks`, `/c/bank/<name>` and its `/content` and `/signal`. What maps to
what, and what differs, is in docs/hma.md."""

from fastapi import APIRouter

from safeguarding.api.hma import curation, hashing, matching

router = APIRouter()
for _module in (hashing, matching, curation):
    router.include_router(_module.router)

__all__ = ["router"]
