"""Exchanges: configure the sources that fill banks (scope banks:write for every route,
since even reading shows where lists come from and when they last failed)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from safeguarding.api.deps import EngineDep, KeyFirstRoute, WriteKey
from safeguarding.exchanges.model import MAX_INTERVAL, MIN_INTERVAL, Exchange

router = APIRouter(tags=["exchanges"], route_class=KeyFirstRoute)


class ExchangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=100, examples=["partner-feed"])
    kind: str = Field(examples=["safeguarding"])
    bank: str = Field(max_length=100)
    options: dict[str, str] = Field(
        default_factory=dict,
        max_length=20,
        description=(
            "The kind's options (docs/exchanges.md); credentials among them are stored "
            "encrypted and never shown back. A `file` exchange over the API takes an "
            "http(s) URL only."
        ),
    )
    interval_seconds: int | None = Field(None, ge=MIN_INTERVAL, le=MAX_INTERVAL)
    enabled: bool = True


class CountsOut(BaseModel):
    fetched: int
    added: int
    removed: int
    skipped: int = Field(description="Records of signal types we do not know.")


class ExchangeOut(BaseModel):
    """An exchange as configured, with its status. Credentials appear by name only, their
    values as `[redacted]`."""

    name: str
    kind: str
    bank: str
    options: dict[str, str]
    credentials: list[str]
    enabled: bool
    interval_seconds: int
    checkpoint: dict[str, Any] | None
    last_fetch_at: str | None
    last_success_at: str | None
    last_error: str | None
    counts: CountsOut
    created_by: str
    created_at: str | None

    @classmethod
    def of(cls, exchange: Exchange) -> ExchangeOut:
        return cls.model_validate(exchange.as_dict())


class ExchangePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    interval_seconds: int | None = Field(None, ge=MIN_INTERVAL, le=MAX_INTERVAL)


@router.get("/exchanges")
async def list_exchanges(engine: EngineDep, key: WriteKey) -> list[ExchangeOut]:
    return [ExchangeOut.of(x) for x in await run_in_threadpool(engine.exchanges.list)]


@router.post("/exchanges", status_code=201)
async def add_exchange(body: ExchangeIn, engine: EngineDep, key: WriteKey) -> ExchangeOut:
    exchange = await run_in_threadpool(
        lambda: engine.exchanges.add(
            body.name,
            body.kind,
            body.bank,
            body.options,
            key.actor,
            interval_seconds=body.interval_seconds,
            enabled=body.enabled,
            remote_only=True,
        )
    )
    return ExchangeOut.of(exchange)


@router.get("/exchanges/{name}")
async def get_exchange(name: str, engine: EngineDep, key: WriteKey) -> ExchangeOut:
    return ExchangeOut.of(await run_in_threadpool(engine.exchanges.get, name))


@router.patch("/exchanges/{name}")
async def update_exchange(
    name: str, body: ExchangePatch, engine: EngineDep, key: WriteKey
) -> ExchangeOut:
    exchange = await run_in_threadpool(
        lambda: engine.exchanges.update(
            name, key.actor, enabled=body.enabled, interval_seconds=body.interval_seconds
        )
    )
    return ExchangeOut.of(exchange)


class FetchOut(CountsOut):
    exchange: str
    pages: int
    checkpoint: dict[str, Any] | None


@router.post("/exchanges/{name}/fetch")
async def fetch_exchange(name: str, engine: EngineDep, key: WriteKey) -> FetchOut:
    """Fetch now (the worker also fetches on the interval). An upstream failure is a 502
    naming it; the pages applied before it stay, the failing one is not applied."""
    result = await run_in_threadpool(engine.fetcher.fetch, name)
    c = result.counts
    return FetchOut(
        exchange=result.exchange,
        pages=result.pages,
        checkpoint=result.checkpoint,
        fetched=c.fetched,
        added=c.added,
        removed=c.removed,
        skipped=c.skipped,
    )


@router.delete("/exchanges/{name}", status_code=204)
async def remove_exchange(name: str, engine: EngineDep, key: WriteKey) -> None:
    await run_in_threadpool(engine.exchanges.remove, name, key.actor)
