"""The background worker: delivers the outbox on a timer, and runs periodic jobs (the audit
checkpoint). `safeguarding serve` runs one in a thread; `safeguarding worker` runs one as
its own process when scaling out."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from safeguarding.delivery.outbox import Outbox

log = logging.getLogger(__name__)


@dataclass
class Periodic:
    """`run` every `seconds` (first at the worker's first pass)."""

    name: str
    seconds: float
    run: Callable[[], object]
    last: float | None = None

    def due(self, now: float) -> bool:
        return self.last is None or now - self.last >= self.seconds


class Worker:
    def __init__(
        self, outbox: Outbox, interval: float = 1.0, jobs: list[Periodic] | None = None
    ) -> None:
        self.outbox = outbox
        self.interval = interval
        self.jobs = jobs or []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> None:
        """One pass: deliver what is due, then run the periodic jobs that are due. A failure
        is logged and tried again on a later pass (the database may be away a moment)."""
        try:
            self.outbox.run_once()
        except Exception:
            log.exception("outbox run failed")
        now = time.monotonic()
        for job in self.jobs:
            if job.due(now):
                job.last = now
                try:
                    job.run()
                except Exception:
                    log.exception("%s failed", job.name)

    def run_forever(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.interval)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="outbox-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
