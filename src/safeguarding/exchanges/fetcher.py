"""Fetching an exchange: its kind reads pages from the checkpoint; each page is applied in
one transaction with the checkpoint it ends at, an audit event and the exchange's counts, so
a page is all in or all out and a crash resumes after the last page applied. A failure is
recorded on the exchange (last error, time) and raised; nothing of the failing page stays.

A fetch holds the exchange's lease (exchanges/schedule.py) from start to end, renewed in each
page's transaction, so one process at a time fetches an exchange, whether the worker or a
person asked; and it sets when the worker fetches next: one interval after a success, a
backoff after a failure.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from safeguarding.audit.events import Event
from safeguarding.audit.log import AuditLog
from safeguarding.errors import ConflictError, ExchangeError
from safeguarding.exchanges.apply import Counts, PageApplier, Target
from safeguarding.exchanges.claims import ClaimStore
from safeguarding.exchanges.http import BoundedHttp, HttpLimits
from safeguarding.exchanges.kinds import get_kind
from safeguarding.exchanges.kinds.base import Page, Source
from safeguarding.exchanges.model import Exchange
from safeguarding.exchanges.readahead import ReadAhead
from safeguarding.exchanges.schedule import (
    Backoff,
    Random,
    lease_length,
    process_owner,
    retry_after,
)
from safeguarding.exchanges.service import ExchangeService
from safeguarding.runtime import collector_paused
from safeguarding.store.db import Database
from safeguarding.store.models import utcnow

MAX_ERROR_CHARS = 2000
#: updates a page (one transaction) holds at most. Each page of random hashes rewrites most
#: of a big bank's digest index, and its refresh may rebuild the PDQ index: at a million
#: hashes pages of 200,000 took 63 s where pages of 50,000 took 85 s, for 47 MiB more
#: memory (docs/benchmarks.md)
PAGE_SIZE = 200_000
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class FetchResult:
    exchange: str
    pages: int
    counts: Counts
    checkpoint: dict[str, Any] | None


class Fetcher:
    def __init__(
        self,
        db: Database,
        exchanges: ExchangeService,
        *,
        limits: HttpLimits,
        confirmed_bank: str,
        backoff: Backoff,
        audit: AuditLog | None = None,
        client: httpx.Client | None = None,
        page_size: int = PAGE_SIZE,
        on_change: Callable[[], None] | None = None,
        clock: Clock = utcnow,
        rng: Random | None = None,
        owner: str | None = None,
    ) -> None:
        self.db = db
        self.exchanges = exchanges
        self.limits = limits
        self.confirmed_bank = confirmed_bank
        self.backoff = backoff
        self.audit = audit or exchanges.audit
        self.client = client
        self.page_size = page_size
        self.on_change = on_change or (lambda: None)
        self.clock = clock
        self.rng: Random = rng or random.SystemRandom()
        #: this fetcher's name on the leases it takes
        self.owner = owner or process_owner()
        self.lease = lease_length(limits.timeout_seconds)
        self.claims = ClaimStore()
        self.applier = PageApplier(exchanges.banks, self.claims)

    def _client(self) -> httpx.Client:
        if self.client is None:
            t = self.limits.timeout_seconds
            self.client = httpx.Client(timeout=httpx.Timeout(min(t, 30.0)), follow_redirects=False)
        return self.client

    def source(self, exchange: Exchange) -> Source:
        """What the exchange's kind talks to its upstream with (fetching, feedback)."""
        return Source(
            exchange.name,
            exchange.options,
            self.exchanges.credentials(exchange.name),
            BoundedHttp(self._client(), self.limits),
            self.limits.max_bytes,
            self.page_size,
        )

    def fetch(self, name: str) -> FetchResult:
        """Fetch the exchange now, from its checkpoint. ConflictError when another process
        is fetching it (its lease holds); ExchangeError when the upstream fails."""
        exchange = self._take(name)
        pages, totals = 0, Counts()
        checkpoint = exchange.checkpoint
        try:
            source = self.source(exchange)
            # the next page is read while this one is written (exchanges/readahead.py)
            with ReadAhead(
                get_kind(exchange.kind).pages(source, checkpoint), name=f"exchange-{name}"
            ) as read:
                for page in read:
                    counts = self._apply(exchange, checkpoint, page)
                    checkpoint = page.checkpoint
                    pages += 1
                    totals += counts
                    self.on_change()
        except Exception as exc:  # whatever stops a fetch is recorded, the lease freed
            self._failed(exchange, exc)
            raise
        self._succeeded(exchange)
        return FetchResult(name, pages, totals, checkpoint)

    def _take(self, name: str) -> Exchange:
        now = self.clock()
        with self.db.write() as session:
            taken, exchange = self.exchanges.store.take_lease(
                session, name, self.owner, now, now + self.lease
            )
        if not taken:
            until = exchange.lease_until or now
            raise ConflictError(
                f"exchange {name!r} is being fetched by {exchange.lease_owner}"
                f" (lease until {until:%Y-%m-%d %H:%M:%S} UTC)"
            )
        return self.exchanges.get(name)  # with its bank's name

    def _apply(self, exchange: Exchange, expected: dict[str, Any] | None, page: Page) -> Counts:
        store = self.exchanges.store
        with self.db.write() as session:
            current = store.get(session, exchange.name, lock=True)
            if current.checkpoint != expected:
                raise ExchangeError(
                    "another fetch moved the checkpoint meanwhile; this one stops",
                    exchange=exchange.name,
                )
            if not store.renew_lease(session, exchange.name, self.owner, self.clock() + self.lease):
                raise ExchangeError(
                    "another process took over the fetch (this one's lease lapsed); this one stops",
                    exchange=exchange.name,
                )
            target = Target(
                exchange.id,
                exchange.name,
                exchange.bank,
                protected=exchange.bank == self.confirmed_bank,
            )
            with collector_paused():  # a page's rows are many small objects, no cycles
                counts = self.applier.apply(session, target, page, utcnow())
            store.advance(
                session,
                exchange.name,
                page.checkpoint,
                counts.fetched,
                counts.added,
                counts.removed,
                counts.skipped,
            )
            self.audit.record(
                session,
                target.actor,
                Event.EXCHANGE_PAGE,
                f"exchange:{exchange.name}",
                bank=exchange.bank,
                fetched=counts.fetched,
                added=counts.added,
                removed=counts.removed,
                skipped=counts.skipped,
                checkpoint=page.checkpoint,
            )
        return counts

    def _failed(self, exchange: Exchange, exc: Exception) -> None:
        name = exchange.name
        message = str(exc)[:MAX_ERROR_CHARS] or type(exc).__name__
        with self.db.write() as session:
            failures = self.exchanges.store.get(session, name, lock=True).failures + 1
            now = self.clock()
            asked = retry_after(exc.retry_after, now) if isinstance(exc, ExchangeError) else None
            wait = self.backoff.delay(failures, self.rng, asked)
            self.exchanges.store.finish(
                session,
                name,
                self.owner,
                {
                    "last_fetch_at": now,
                    "last_error": message,
                    "failures": failures,
                    "next_fetch_at": now + timedelta(seconds=wait),
                },
            )
            self.audit.record(
                session,
                f"exchange:{name}",
                Event.EXCHANGE_FAIL,
                f"exchange:{name}",
                error=message,
                failures=failures,
                retry_in_seconds=round(wait),
            )

    def _succeeded(self, exchange: Exchange) -> None:
        now = self.clock()
        with self.db.write() as session:
            self.exchanges.store.finish(
                session,
                exchange.name,
                self.owner,
                {
                    "last_fetch_at": now,
                    "last_success_at": now,
                    "last_error": None,
                    "failures": 0,
                    "next_fetch_at": now + timedelta(seconds=exchange.interval_seconds),
                },
            )

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
