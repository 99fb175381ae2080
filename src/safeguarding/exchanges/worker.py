"""The exchange worker: fetches each enabled exchange when it is due, one after another.

`run_once` asks the database which exchanges are due (their `next_fetch_at` passed and no
live lease) and fetches each through the `Fetcher`, which takes the lease, so several
workers (processes, machines) share the work without fetching one exchange twice. Whatever
one upstream does (slow, huge, malformed, failing, redirecting) fails that exchange alone:
it is recorded, backed off, and the pass goes on to the next. Time comes from the injected
clock, so tests move it instead of sleeping.

`safeguarding exchange worker` runs it as its own process; `safeguarding serve` runs it in a
thread when `exchange_worker` is set.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from safeguarding.errors import ConflictError
from safeguarding.exchanges.fetcher import Fetcher, FetchResult
from safeguarding.store.db import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    exchange: str
    #: the fetch's result; None when it failed or another process held the exchange
    result: FetchResult | None = None
    error: str | None = None
    #: another process was fetching it
    busy: bool = False


class ExchangeWorker:
    def __init__(self, db: Database, fetcher: Fetcher, *, poll_seconds: float) -> None:
        self.db = db
        self.fetcher = fetcher
        self.store = fetcher.exchanges.store
        #: the longest the loop sleeps: how soon it sees an exchange added elsewhere
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def due(self) -> list[str]:
        with self.db.read() as session:
            return self.store.due(session, self.fetcher.clock())

    def run_once(self) -> list[Outcome]:
        """Fetch every exchange due now, one after another; one failing never stops the
        others."""
        outcomes = []
        for name in self.due():
            if self._stop.is_set():
                break
            try:
                outcomes.append(Outcome(name, result=self.fetcher.fetch(name)))
            except ConflictError as exc:  # another worker took it since we looked
                outcomes.append(Outcome(name, error=str(exc), busy=True))
            except Exception as exc:  # recorded on the exchange by the fetcher
                log.warning("exchange %s failed: %s", name, exc)
                outcomes.append(Outcome(name, error=str(exc)))
        return outcomes

    def wait_seconds(self) -> float:
        """How long the loop may sleep: until the next exchange is due, at most a poll."""
        with self.db.read() as session:
            due = self.store.next_due(session)
        if due is None:
            return self.poll_seconds
        ahead = (due - self.fetcher.clock()).total_seconds()
        return min(self.poll_seconds, max(ahead, 0.0))

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
                pause = self.wait_seconds()
            except Exception:  # the database may be away a moment: try again later
                log.exception("exchange worker pass failed")
                pause = self.poll_seconds
            self._stop.wait(max(pause, 1.0))

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.run_forever, name="exchange-worker", daemon=True
        )
        self._thread.start()

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def join(self, seconds: float) -> None:
        if self._thread is not None:
            self._thread.join(seconds)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
