"""HMA's hashing endpoints (`/h/hash`): content in (an upload or, when allowed, a URL),
a mapping of signal type to hash out, as HMA answers: `{"pdq": "f8f8...", "md5": "..."}`.

Our hasher sniffs the content by its bytes, so the form field's content type only has to
be one HMA knows; the answer names our signal types (pdq, md5, sha256 for images; vpdq,
md5, sha256 for videos) and only the content as it is (no derived views).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from safeguarding.api.deps import EngineDep, MatchKey, takes_upload
from safeguarding.api.hma.route import HmaRoute, fetcher_of, one_upload, selected_types
from safeguarding.api.hma.schemas import HashResponse
from safeguarding.engine import Engine
from safeguarding.hashing.hasher import ContentHashes

router = APIRouter(prefix="/h", tags=["HMA compatibility"], route_class=HmaRoute)

Types = Annotated[
    str | None, Query(description="Comma-separated signal types to give (default: all).")
]


def primary(hashes: ContentHashes, types: set[str] | None) -> dict[str, str]:
    return {k: v for k, v in hashes.primary().items() if types is None or k in types}


async def hashes_of_upload(
    request: Request, engine: Engine, *, dihedral: bool = False
) -> tuple[ContentHashes, str]:
    """`dihedral`: also the 8 rotations and flips of an image's PDQ (for matching)."""
    data, name, _ = await one_upload(request)
    hashes = await run_in_threadpool(
        lambda: engine.hash_bytes(data, source=name, dihedral=dihedral)
    )
    return hashes, name


async def hashes_of_url(
    request: Request, engine: Engine, url: str, *, dihedral: bool = False
) -> ContentHashes:
    fetcher = fetcher_of(request)
    remote = await run_in_threadpool(fetcher.fetch, url)
    return await run_in_threadpool(
        lambda: engine.hash_bytes(remote.data, source=remote.url, dihedral=dihedral)
    )


@router.get("/hash", response_model=HashResponse)
async def hash_url(
    request: Request,
    engine: EngineDep,
    key: MatchKey,
    url: Annotated[str, Query(description="The content to fetch (hma_url_allowed_hosts).")],
    content_type: Annotated[str | None, Query(description="photo or video (sniffed)")] = None,
    types: Types = None,
) -> dict[str, str]:
    """Fetch content from a URL on the allow-list and hash it."""
    wanted = selected_types(types)
    return primary(await hashes_of_url(request, engine, url), wanted)


@router.post("/hash", response_model=HashResponse)
@takes_upload
async def hash_upload(
    request: Request, engine: EngineDep, key: MatchKey, types: Types = None
) -> dict[str, str]:
    """Hash one uploaded file (multipart, under the field `photo` or `video`)."""
    wanted = selected_types(types)
    hashes, _ = await hashes_of_upload(request, engine)
    return primary(hashes, wanted)
