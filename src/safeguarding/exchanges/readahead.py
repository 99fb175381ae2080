"""Read-ahead: a kind's pages read in a background thread while the fetcher applies the
previous one, at most `depth` pages ahead (a page is up to 200,000 updates: memory stays
bounded). Downloading, verifying and parsing a page overlaps with writing the one before
(the database drivers release the GIL while they work). The pages arrive in order; an
upstream error reaches the fetcher as if it had read the page itself, after the pages
before it; `close` stops the reading at the next page boundary, so a fetch that fails
while applying reads at most `depth` pages it will not apply.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
#: how long `close` waits for the reader (it may be inside one HTTP request)
JOIN_SECONDS = 5.0
_POLL_SECONDS = 0.1


class _End:
    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


class ReadAhead(Generic[T]):
    def __init__(self, items: Iterator[T], depth: int = 1, name: str = "read-ahead") -> None:
        self._queue: queue.Queue[T | _End] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._done = False
        self._thread = threading.Thread(target=self._read, args=(items,), name=name, daemon=True)
        self._thread.start()

    def _read(self, items: Iterator[T]) -> None:
        try:
            for item in items:
                if not self._put(item):
                    return
            self._put(_End())
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(_End(exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # a generator's clean-up (spools, connections) in its own thread

    def _put(self, item: T | _End) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        if self._done:
            raise StopIteration
        item = self._queue.get()
        if isinstance(item, _End):
            self._done = True
            self._thread.join(JOIN_SECONDS)
            if item.error is not None:
                raise item.error
            raise StopIteration
        return item

    def close(self) -> None:
        self._done = True
        self._stop.set()
        while True:  # unblock a reader waiting to put
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._thread.join(JOIN_SECONDS)

    def __enter__(self) -> ReadAhead[T]:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
