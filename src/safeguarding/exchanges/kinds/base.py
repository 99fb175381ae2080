"""What an exchange kind is: a stable name, the options it takes (which of them are
credentials) and their checks, and `pages`: the source read from a checkpoint as pages of
adds and removals, each carrying the checkpoint after it. One small file per kind implements
it; `kinds/__init__.py` lists them by name.

The fetcher applies each page in one transaction together with its checkpoint, so a crash
loses at most the page in flight, and the next fetch starts from the last page applied.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, NamedTuple
from urllib.parse import urlsplit

from safeguarding.errors import ExchangeError, InvalidInputError
from safeguarding.exchanges.http import BoundedHttp
from safeguarding.inputs import has_control

MAX_OPTION_CHARS = 2000


@dataclass(frozen=True)
class Option:
    name: str
    help: str
    required: bool = False
    #: a credential: sealed in the database (exchanges/vault.py), never shown back
    secret: bool = False


class Update(NamedTuple):
    """One hash the upstream lists (or, `removed`, no longer lists). The signal type is the
    upstream's name for it; the fetcher converts it, counting and skipping unknown ones.
    Immutable like a frozen dataclass, built the same way (by position or keyword), but a
    named tuple: made a million times in a big fetch, it costs a third of one."""

    signal_type: str
    value: str
    upstream_id: str | None = None
    labels: tuple[str, ...] = ()
    removed: bool = False

    @classmethod
    def withdrawn(cls, upstream_id: str) -> Update:
        """A tombstone naming the upstream's entry, not a hash (NCMEC deletes an entry by
        its id): the hashes it listed are withdrawn, those another of the exchange's
        upstream entries still lists excepted (the kind's pages set `listings`)."""
        return cls("", "", upstream_id, removed=True)

    @property
    def by_upstream_id(self) -> bool:
        return self.removed and not self.value and self.upstream_id is not None


@dataclass(frozen=True)
class Page:
    updates: list[Update]
    #: the position after this page, stored with it (JSON)
    checkpoint: dict[str, Any]
    #: a full list ends: this exchange's claims not seen since this time (ISO 8601) are
    #: withdrawn, as the list no longer names them
    sweep_before: str | None = None
    #: the kind's tombstones name upstream entries (`Update.withdrawn`): record which
    #: upstream entry lists which hash (exchanges/listings.py)
    listings: bool = False


class Verdict(StrEnum):
    """A reviewer's outcome on a match to an exchange's entry, as sent upstream. Stored in
    outbox payloads: never rename."""

    CONFIRMED = "confirmed"
    FALSE_POSITIVE = "false_positive"
    #: blocked by the bank's policy without review: counted as matched and removed, and
    #: sent only to kinds whose upstream takes counts (`counts_blocks`)
    BLOCKED = "blocked"


@dataclass(frozen=True)
class Feedback:
    """One outcome to send upstream: the entry's hash (our type and canonical value), the
    upstream's id for it, the verdict, and a key that is the same in every attempt."""

    signal_type: str
    value: str
    upstream_id: str | None
    verdict: Verdict
    key: str


@dataclass(frozen=True)
class Source:
    """What a kind reads with: the exchange's name (for errors), options and credentials,
    and bounded HTTP."""

    exchange: str
    options: dict[str, str]
    credentials: dict[str, str]
    http: BoundedHttp
    max_bytes: int
    page_size: int = 10_000
    extra: dict[str, Any] = field(default_factory=dict)


class ExchangeKind(ABC):
    """A kind of exchange. `name` is stored with each exchange: never rename it."""

    name: ClassVar[str]
    description: ClassVar[str]
    options: ClassVar[tuple[Option, ...]]
    #: whether the upstream takes counts of matches and removals, so matches its entries
    #: blocked without review are reported too (Verdict.BLOCKED); a verdict the upstream
    #: reads as a person's (StopNCII's "Blocked") is sent only after review
    counts_blocks: ClassVar[bool] = False

    @classmethod
    def option(cls, name: str) -> Option | None:
        return next((o for o in cls.options if o.name == name), None)

    @classmethod
    def split_options(
        cls, given: dict[str, str], *, remote_only: bool = False
    ) -> tuple[dict[str, str], dict[str, str]]:
        """(plain options, credentials), each checked; unknown or missing ones refused.
        `remote_only`: refuse options that name this machine's files (for the API: a key
        holder must not make the server read its own files)."""
        plain: dict[str, str] = {}
        secret: dict[str, str] = {}
        for name, value in given.items():
            option = cls.option(name)
            if option is None:
                known = ", ".join(o.name for o in cls.options)
                raise InvalidInputError(
                    "options",
                    f"{cls.name} exchanges take no option {str(name)[:60]!r} (known: {known})",
                )
            if not isinstance(value, str) or len(value) > MAX_OPTION_CHARS or has_control(value):
                raise InvalidInputError(
                    "options",
                    f"{name}: must be a string of at most "
                    f"{MAX_OPTION_CHARS} characters without control "
                    "characters",
                )
            (secret if option.secret else plain)[name] = value
        missing = [o.name for o in cls.options if o.required and o.name not in given]
        if missing:
            raise InvalidInputError("options", f"{cls.name} exchanges need {missing}")
        cls.check(plain, remote_only=remote_only)
        return plain, secret

    @classmethod
    @abstractmethod
    def check(cls, options: dict[str, str], *, remote_only: bool = False) -> None:
        """Further checks of the plain options (a URL's scheme, a format's name)."""

    @classmethod
    def takes_feedback(cls, options: dict[str, str], credentials: list[str]) -> bool:
        """Whether an exchange so configured sends reviewers' outcomes upstream (a kind
        whose upstream takes none, or one configured without the key it needs: no)."""
        return False

    @classmethod
    def send_feedback(cls, source: Source, feedback: Feedback) -> None:
        """Send one outcome upstream; raises ExchangeError when the upstream fails (the
        outbox tries again later)."""
        raise ExchangeError(f"{cls.name} exchanges send no feedback", exchange=source.exchange)

    @classmethod
    @abstractmethod
    def pages(cls, source: Source, checkpoint: dict[str, Any] | None) -> Iterator[Page]:
        """The upstream's changes after `checkpoint` (None: from the start), a page at a
        time. Raises ExchangeError for anything the upstream got wrong."""


def malformed(page: str, why: str, exchange: str) -> ExchangeError:
    """A kind's error for a page it cannot read (`page` names what the upstream calls it):
    the whole page is refused, so nothing of it is applied and the checkpoint stays."""
    return ExchangeError(f"a malformed {page} ({why}): refused, nothing applied", exchange=exchange)


def json_page(body: bytes, page: str, exchange: str) -> Any:
    """The page's JSON, or `malformed` when it is not JSON; the kind checks its shape."""
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise malformed(page, "not JSON", exchange) from None


def check_web_url(url: str) -> None:
    """An upstream's base URL: http(s) with a host (a path may follow), or InvalidInputError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError("options", "url must be http(s)://host[/path]")
