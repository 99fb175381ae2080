"""Fetching an exchange: its kind reads pages from the checkpoint; each page is applied in
one transaction with the checkpoint it ends at, an audit event and the exchange's counts, so
a page is all in or all out and a crash resumes after the last page applied. A failure is
recorded on the exchange (last error, time) and raised; nothing of the failing page stays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from safeguarding.audit.log import AuditLog
from safeguarding.errors import ExchangeError
from safeguarding.exchanges.apply import Counts, PageApplier, Target
from safeguarding.exchanges.claims import ClaimStore
from safeguarding.exchanges.http import BoundedHttp, HttpLimits
from safeguarding.exchanges.kinds import get_kind
from safeguarding.exchanges.kinds.base import Source
from safeguarding.exchanges.model import Exchange
from safeguarding.exchanges.service import ExchangeService
from safeguarding.store.db import Database
from safeguarding.store.models import utcnow

MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class FetchResult:
    exchange: str
    pages: int
    counts: Counts
    checkpoint: dict[str, Any] | None


class Fetcher:
    def __init__(self, db: Database, exchanges: ExchangeService, *, limits: HttpLimits,
                 confirmed_bank: str, audit: AuditLog | None = None,
                 client: httpx.Client | None = None, page_size: int = 10_000,
                 on_change: Callable[[], None] | None = None) -> None:
        self.db = db
        self.exchanges = exchanges
        self.limits = limits
        self.confirmed_bank = confirmed_bank
        self.audit = audit or exchanges.audit
        self.client = client
        self.page_size = page_size
        self.on_change = on_change or (lambda: None)
        self.claims = ClaimStore()
        self.applier = PageApplier(exchanges.banks, self.claims)

    def _client(self) -> httpx.Client:
        if self.client is None:
            t = self.limits.timeout_seconds
            self.client = httpx.Client(timeout=httpx.Timeout(min(t, 30.0)),
                                       follow_redirects=False)
        return self.client

    def fetch(self, name: str) -> FetchResult:
        exchange = self.exchanges.get(name)
        pages, totals = 0, Counts()
        checkpoint = exchange.checkpoint
        try:
            source = Source(name, exchange.options, self.exchanges.credentials(name),
                            BoundedHttp(self._client(), self.limits), self.limits.max_bytes,
                            self.page_size)
            for page in get_kind(exchange.kind).pages(source, checkpoint):
                counts = self._apply(exchange, checkpoint, page)
                checkpoint = page.checkpoint
                pages += 1
                totals += counts
                self.on_change()
        except Exception as exc:
            self._failed(name, exc)
            raise
        self._succeeded(name, totals)
        return FetchResult(name, pages, totals, checkpoint)

    def _apply(self, exchange: Exchange, expected: dict[str, Any] | None, page: Any) -> Counts:
        store = self.exchanges.store
        with self.db.write() as session:
            current = store.get(session, exchange.name, lock=True)
            if current.checkpoint != expected:
                raise ExchangeError("another fetch moved the checkpoint meanwhile; this one "
                                    "stops", exchange=exchange.name)
            target = Target(exchange.id, exchange.name, exchange.bank,
                            protected=exchange.bank == self.confirmed_bank)
            counts = self.applier.apply(session, target, page, utcnow())
            store.advance(session, exchange.name, page.checkpoint, counts.fetched,
                          counts.added, counts.removed, counts.skipped)
            self.audit.record(session, target.actor, "exchange.page",
                              f"exchange:{exchange.name}", bank=exchange.bank,
                              fetched=counts.fetched, added=counts.added,
                              removed=counts.removed, skipped=counts.skipped,
                              checkpoint=page.checkpoint)
        return counts

    def _failed(self, name: str, exc: Exception) -> None:
        message = str(exc)[:MAX_ERROR_CHARS] or type(exc).__name__
        with self.db.write() as session:
            self.exchanges.store.update(session, name, {"last_fetch_at": utcnow(),
                                                        "last_error": message})
            self.audit.record(session, f"exchange:{name}", "exchange.fail",
                              f"exchange:{name}", error=message)

    def _succeeded(self, name: str, counts: Counts) -> None:
        now = utcnow()
        with self.db.write() as session:
            self.exchanges.store.update(session, name, {
                "last_fetch_at": now, "last_success_at": now, "last_error": None})

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
