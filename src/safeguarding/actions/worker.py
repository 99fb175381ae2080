"""The background worker: delivers the outbox on a timer. `safeguarding serve` runs one in
a thread; `safeguarding worker` runs one as its own process when scaling out."""

from __future__ import annotations

import logging
import threading

from safeguarding.actions.outbox import Outbox

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, outbox: Outbox, interval: float = 1.0) -> None:
        self.outbox = outbox
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                self.outbox.run_once()
            except Exception:  # the database may be away for a moment; try again
                log.exception("outbox run failed")
            self._stop.wait(self.interval)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="outbox-worker",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
