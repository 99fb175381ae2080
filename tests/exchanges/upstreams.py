"""The set-up the exchange kinds' tests share: an engine with an exchange key and a bank,
and an upstream's fake served on 127.0.0.1, yielding (engine, the fake's base URL)."""

from __future__ import annotations

from collections.abc import Iterator

from starlette.types import ASGIApp

from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.exchanges.vault import new_key
from tests.fakes.loopback import Loopback


def served(
    db_url: str, app: ASGIApp, bank: str, *, path: str = "", page_size: int = 2
) -> Iterator[tuple[Engine, str]]:
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
