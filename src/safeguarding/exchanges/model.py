"""An exchange as the rest of the system sees it: configuration without credentials, and
its fetch status."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from safeguarding.errors import InvalidInputError

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
#: shortest and longest interval between fetches by the worker (seconds)
MIN_INTERVAL, MAX_INTERVAL = 60, 7 * 24 * 3600
REDACTED = "[redacted]"


def is_exchange_name(name: object) -> bool:
    return isinstance(name, str) and _NAME.fullmatch(name) is not None


def check_exchange_name(name: object) -> str:
    if not is_exchange_name(name):
        raise InvalidInputError(
            "name",
            f"invalid exchange name {str(name)[:120]!r}: 1-100 letters, digits, '_', '.', '-'",
        )
    assert isinstance(name, str)
    return name


def check_interval(seconds: object) -> int:
    if (
        not isinstance(seconds, int)
        or isinstance(seconds, bool)
        or not MIN_INTERVAL <= seconds <= MAX_INTERVAL
    ):
        raise InvalidInputError("interval", f"must be {MIN_INTERVAL} to {MAX_INTERVAL} seconds")
    return seconds


@dataclass(frozen=True)
class Removal:
    """What removing an exchange did to its bank: the claims it withdrew, the entries that
    left with them, and those that stayed (a person added them, another exchange still
    lists them, or the bank is the confirmed one)."""

    exchange: str
    bank: str
    withdrawn: int
    removed: int

    @property
    def kept(self) -> int:
        return self.withdrawn - self.removed


@dataclass(frozen=True)
class Exchange:
    id: int
    name: str
    kind: str
    bank_id: int
    options: dict[str, str]
    #: names of the options sealed as credentials; their values are never in this object
    credentials: list[str]
    enabled: bool
    interval_seconds: int
    checkpoint: dict[str, Any] | None
    last_fetch_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    fetched: int
    added: int
    removed: int
    skipped: int
    created_by: str
    created_at: datetime
    #: when the worker fetches it next (None: at its next pass)
    next_fetch_at: datetime | None = None
    #: fetches in a row that failed (the backoff grows with them)
    failures: int = 0
    #: the process fetching it, and until when its lease holds
    lease_owner: str | None = None
    lease_until: datetime | None = None
    #: the bank's name (filled in by the service, which asks the banks package)
    bank: str = ""

    @property
    def failing(self) -> bool:
        return self.last_error is not None

    def as_dict(self) -> dict[str, Any]:
        """For `show --json` and the API: credentials by name, values redacted."""

        def when(at: datetime | None) -> str | None:
            return at.isoformat() if at else None

        return {
            "name": self.name,
            "kind": self.kind,
            "bank": self.bank,
            "options": {**self.options, **dict.fromkeys(self.credentials, REDACTED)},
            "credentials": self.credentials,
            "enabled": self.enabled,
            "interval_seconds": self.interval_seconds,
            "checkpoint": self.checkpoint,
            "last_fetch_at": when(self.last_fetch_at),
            "last_success_at": when(self.last_success_at),
            "last_error": self.last_error,
            "counts": {
                "fetched": self.fetched,
                "added": self.added,
                "removed": self.removed,
                "skipped": self.skipped,
            },
            "created_by": self.created_by,
            "created_at": when(self.created_at),
            "next_fetch_at": when(self.next_fetch_at),
            "failures": self.failures,
            "lease": {"owner": self.lease_owner, "until": when(self.lease_until)}
            if self.lease_owner
            else None,
        }
