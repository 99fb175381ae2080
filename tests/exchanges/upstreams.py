"""The set-up and checks the exchange kinds' tests share: an engine with an exchange key and
a bank, and an upstream's fake served on 127.0.0.1, yielding (engine, the fake's base URL);
the same checks of a malformed page, refused credentials and rate limiting for every kind.

A kind's test module defines its `fake` fixture and takes the rest from here:

    engine, lone = kind_fixtures("tve")
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

import pytest
from starlette.types import ASGIApp

from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.errors import ExchangeError
from safeguarding.exchanges.model import Exchange
from safeguarding.exchanges.vault import new_key
from tests.fakes.loopback import Loopback

Served = tuple[Engine, str]


class Fake(Protocol):
    """What the checks here need of an upstream's fake."""

    #: the next answer's body instead of a page (None: pages as usual)
    broken: bytes | None
    #: answer this many requests with the upstream's rate limit
    throttle: int

    def app(self) -> ASGIApp: ...


def served(
    db_url: str, app: ASGIApp, bank: str, *, path: str = "", page_size: int = 2
) -> Iterator[Served]:
    instance = Engine(
        Settings(database_url=db_url, exchange_key=new_key(), index_refresh_seconds=0.01)
    )
    try:
        instance.fetcher.page_size = page_size
        instance.banks.create_bank(bank, "test")
        with Loopback(app) as server:
            yield instance, server.url + path
    finally:
        instance.close()


def kind_fixtures(bank: str, *, path: str = "") -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The `engine` fixture (SQLite and PostgreSQL) and the `lone` one (SQLite only) of a
    kind's tests: the module's `fake` served for the bank `bank`, the kind's API at `path`."""

    @pytest.fixture
    def engine(db_url: str, fake: Fake) -> Iterator[Served]:
        yield from served(db_url, fake.app(), bank, path=path)

    @pytest.fixture
    def lone(sqlite_url: str, fake: Fake) -> Iterator[Served]:
        """A page refused before anything is written is the same on both databases."""
        yield from served(sqlite_url, fake.app(), bank, path=path)

    return engine, lone


def values(engine: Engine, bank: str) -> set[str]:
    return {e.value for e in engine.banks.entries(bank, limit=1000)}


def refuses_page(
    instance: Engine, fake: Fake, exchange: str, bank: str, body: bytes, error: str = "malformed"
) -> None:
    """The upstream answers `body`: the fetch fails as malformed (`error`, a pattern) and
    nothing is applied."""
    fake.broken = body
    with pytest.raises(ExchangeError, match=error):
        instance.fetcher.fetch(exchange)
    refused = instance.exchanges.get(exchange)
    assert refused.checkpoint is None and refused.failing and values(instance, bank) == set()


def refuses_credentials(instance: Engine, exchange: str, error: str, secret: str) -> None:
    """The exchange, configured with the wrong `secret`, fails with `error` (a pattern),
    keeps no checkpoint, and its error does not repeat the secret."""
    with pytest.raises(ExchangeError, match=error):
        instance.fetcher.fetch(exchange)
    wrong = instance.exchanges.get(exchange)
    assert wrong.failing and wrong.checkpoint is None
    assert secret not in str(wrong.last_error)


def rate_limited(instance: Engine, fake: Fake, exchange: str) -> tuple[str, Exchange]:
    """The upstream limits the worker's first fetch: the worker records the failure, backs
    off, and asks nothing more while it waits. (The worker's error, the exchange as it
    waits.)"""
    fake.throttle = 1
    worker = instance.exchange_worker()
    (outcome,) = worker.run_once()
    assert outcome.result is None and "rate limited" in (outcome.error or "")
    limited = instance.exchanges.get(exchange)
    assert limited.failures == 1 and limited.next_fetch_at and limited.last_fetch_at
    assert limited.next_fetch_at > limited.last_fetch_at
    assert worker.run_once() == []  # not due yet: nothing asked of the upstream
    return outcome.error or "", limited
