"""When an exchange is fetched next, and how long a fetching process holds it.

After a success the next fetch is one interval later. After a failure it waits an
exponential backoff with jitter: the ceiling doubles with each failure in a row, from
`exchange_backoff_seconds` up to `exchange_backoff_max_seconds`, and the wait is drawn
between half the ceiling and the ceiling ("equal jitter"), so instances that failed together
do not come back together. An upstream's Retry-After (429, 503) is honoured when it asks for
longer, up to the same maximum: a hostile upstream cannot park an exchange for a year.

A lease is a row's `lease_owner` and `lease_until`, renewed with each page, so one process at
a time fetches an exchange; a process that dies leaves a lease that lapses by itself.
"""

from __future__ import annotations

import os
import random
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Protocol


class Random(Protocol):
    def uniform(self, a: float, b: float) -> float: ...


@dataclass(frozen=True)
class Backoff:
    base_seconds: float
    max_seconds: float

    def delay(self, failures: int, rng: Random, retry_after: float | None = None) -> float:
        """Seconds to wait after the `failures`-th failure in a row (1, 2, ...)."""
        ceiling = min(self.max_seconds, self.base_seconds * 2.0 ** min(failures - 1, 60))
        wait = rng.uniform(ceiling / 2, ceiling)
        if retry_after is not None and retry_after > wait:
            wait = min(retry_after, self.max_seconds)
        return wait


def lease_length(timeout_seconds: float) -> timedelta:
    """How long a lease holds without renewal: longer than one answer may take (the
    deadline per answer) plus applying its page, so a live fetch never loses it."""
    return timedelta(seconds=2 * timeout_seconds + 60)


def process_owner() -> str:
    """This process's name on leases: host, process id, and a random tag (process ids are
    reused after a restart)."""
    return f"{socket.gethostname()[:120]}:{os.getpid()}:{secrets.token_hex(4)}"


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (a number of seconds or an HTTP date); None when
    absent or unreadable."""
    if not value:
        return None
    value = value.strip()[:64]
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def system_random() -> Random:
    return random.SystemRandom()
