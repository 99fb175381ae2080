"""Published feeds: a subscriber's key (scope feeds:read, granted the bank with `safeguarding
feed grant`) reads a bank's changes, a signed page at a time."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from safeguarding.api.deps import EngineDep, FeedKey, KeyFirstRoute
from safeguarding.feeds.outcomes import MAX_COUNT, MAX_OUTCOMES, MAX_PERIOD_CHARS, Outcome
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


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    signal_type: str = Field(max_length=20, examples=["pdq"])
    value: str = Field(max_length=100_000)
    matched: int = Field(0, ge=0, le=MAX_COUNT, description="Times it matched this period.")
    removed: int = Field(0, ge=0, le=MAX_COUNT, description="Of those, content removed.")
    false_positive: int = Field(
        0, ge=0, le=MAX_COUNT, description="Of those, a reviewer found nothing wrong."
    )


class OutcomesIn(BaseModel):
    """Counts only: no content ids, accounts or URLs."""

    model_config = ConfigDict(extra="forbid")

    period: str = Field(
        max_length=MAX_PERIOD_CHARS,
        examples=["2026-11-30"],
        description="A day, or any report id: a report for a period this key already "
        "reported replaces it (a retry counts once).",
    )
    outcomes: list[OutcomeIn] = Field(min_length=1, max_length=MAX_OUTCOMES)


class OutcomesOut(BaseModel):
    period: str
    accepted: int = Field(description="Hashes recorded.")
    unknown: int = Field(description="Hashes the feed does not list (not recorded).")


@router.post("/feeds/{bank}/outcomes")
async def feed_outcomes(
    bank: str, body: OutcomesIn, engine: EngineDep, key: FeedKey
) -> OutcomesOut:
    """A subscriber reports what the feed's hashes did on its platform (a key granted this
    feed). Idempotent per key and period."""
    outcomes = [Outcome(**o.model_dump()) for o in body.outcomes]
    receipt = await run_in_threadpool(
        engine.feeds.report_outcomes, bank, body.period, outcomes, key
    )
    return OutcomesOut(period=receipt.period, accepted=receipt.accepted, unknown=receipt.unknown)
