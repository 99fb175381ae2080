"""Published feeds: a subscriber's key (scope feeds:read, granted the bank with `safeguarding
feed grant`) reads a bank's changes, a signed page at a time."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from safeguarding.api.deps import EngineDep, FeedKey, KeyFirstRoute
from safeguarding.feeds.publisher import MAX_PAGE
from safeguarding.inputs import MAX_ROW_ID

router = APIRouter(tags=["feeds"], route_class=KeyFirstRoute)


class FeedChangeOut(BaseModel):
    op: str
    signal_type: str
    value: str
    id: str
    labels: list[str]


class FeedPageOut(BaseModel):
    """A page as signed (the exact bytes are sent; this describes their shape)."""

    format: int
    feed: str
    publisher: str
    cursor: int
    next_cursor: int
    more: bool
    changes: list[FeedChangeOut]


@router.get(
    "/feeds/{bank}/changes",
    response_class=Response,
    responses={200: {"model": FeedPageOut, "description": "A signed page."}},
)
async def feed_changes(
    bank: str,
    engine: EngineDep,
    key: FeedKey,
    cursor: int = Query(0, ge=0, le=MAX_ROW_ID),
    limit: int = Query(1000, ge=1, le=MAX_PAGE),
) -> Response:
    """Adds and removals after `cursor`, in commit order; follow `next_cursor` while `more`.
    The body's exact bytes are signed: `Safeguarding-Signature` (Ed25519, base64) under
    `Safeguarding-Key` (docs/exchanges.md)."""
    page = await run_in_threadpool(engine.feeds.page, bank, cursor, limit, key)
    return Response(page.body, media_type="application/json", headers=page.headers)
