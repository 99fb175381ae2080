"""The HTTP API (FastAPI): a thin shell over `safeguarding.engine.Engine`, mounted under
/v1 by `safeguarding.server`."""

from fastapi import APIRouter

from safeguarding.api import hma
from safeguarding.api.routes import (
    banks,
    cases,
    content,
    conversations,
    exchanges,
    feeds,
    franking,
    health,
)

router = APIRouter()
for _module in (health, content, banks, exchanges, feeds, conversations, cases, franking):
    router.include_router(_module.router)

__all__ = ["hma", "router"]
