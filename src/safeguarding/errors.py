"""The exception tree. Every error says what a user needs: which file, which line, which limit.

    SafeguardingError
    ├── MediaError                 bytes that cannot be turned into pixels
    │   ├── UnsupportedMediaError  not an image or video we decode
    │   ├── CorruptMediaError      recognised, but broken or truncated
    │   └── MediaLimitError        over a size, pixel, frame or duration limit
    ├── InvalidInputError          a field the caller sent that we refuse (which field, why)
    │   └── InvalidBankError       a bank's name, source, labels or policy
    ├── SignalError                a hash that is malformed or of an unknown type
    ├── ImportFormatError          a bank import file with a bad line (line number given)
    ├── ConversationError          a conversation the engine cannot take
    │   ├── ConversationFormatError    malformed JSON shape (which field, which message)
    │   └── ConversationLimitError     a message, sender or conversation over a limit
    ├── InsightsError              research input the insights tools cannot read
    │   ├── RecordsFormatError     a records file: missing column or bad row (file, line)
    │   └── KeywordSetError        a keyword set file that is malformed (file, which entry)
    ├── DeliveryError              a webhook or report the receiver did not take: retried
    ├── ExchangeError              an exchange that cannot fetch (upstream refused or broken,
    │                              a page that fails verification, sealed credentials that do
    │                              not open); nothing of the failing page is applied
    │                              (reporting.clients.RejectedError: refused for good)
    ├── DatabaseNotReadyError      no database, or not at this version's schema: names
    │                              `safeguarding db upgrade`, the command that fixes it
    ├── DatabaseUnavailableError   the database server cannot be reached now (restarting,
    │                              network cut): retry; nothing of the request was applied
    ├── NotFoundError              unknown bank, entry or key
    ├── ConflictError              already exists, or changed by someone else meanwhile
    ├── AuthError                  missing or wrong credentials
    │   └── ForbiddenError         credentials lack the scope
    ├── RateLimitedError           too many attempts from one client or in all (retry_after)
    ├── FrankingError              a franked message, stamp, attachment or report that does not
    │                              verify or parse (`reason`: a stable code; `index`: which
    │                              message of a report)
    ├── AuditKeyError              an audit key file that is missing, unreadable or not Ed25519
    └── MissingDependencyError     a feature whose optional extra is not installed

Shells map these (and only these) to answers: a `ValueError` or any other exception is a bug
and surfaces as one (a 500, a traceback), never as a polite message. The one exception
outside the tree is `delivery.receiver.SignatureError`: the receiver helper is standard
library only, so platforms can vendor that one file.

This module imports nothing, so the device distribution (`safeguarding-device`) ships it as is.
"""

from __future__ import annotations


class SafeguardingError(Exception):
    """Base of every error this package raises on purpose."""


class MediaError(SafeguardingError):
    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)


class UnsupportedMediaError(MediaError):
    pass


class CorruptMediaError(MediaError):
    pass


class MediaLimitError(MediaError):
    def __init__(
        self, limit: str, value: float, maximum: float, *, source: str | None = None
    ) -> None:
        self.limit = limit
        self.value = value
        self.maximum = maximum
        super().__init__(f"{limit} {value:g} exceeds the limit of {maximum:g}", source=source)


class InvalidInputError(SafeguardingError):
    """A value the caller sent that we refuse; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class InvalidBankError(InvalidInputError):
    """A bank's name, source, labels or policy that we refuse. The message names the
    value; `field` says which part of the bank, where the caller knows it."""

    def __init__(self, message: str, *, field: str = "bank") -> None:
        self.field = field
        SafeguardingError.__init__(self, message)


class DeliveryError(SafeguardingError):
    """The receiver (the platform's webhook endpoint, an authority's API) did not take a
    delivery: the outbox tries again later."""


class ExchangeError(SafeguardingError):
    """An exchange's fetch failed; `exchange` names it. Nothing of the failing page was
    applied and its checkpoint did not move. `retry_after`: the upstream's Retry-After as it
    sent it (seconds or an HTTP date), which the worker's backoff reads against its own clock
    (schedule.retry_after): a date read against the wall clock here would disagree with a
    worker whose clock is not the wall's."""

    def __init__(
        self, message: str, *, exchange: str | None = None, retry_after: str | None = None
    ) -> None:
        self.exchange = exchange
        self.retry_after = retry_after
        super().__init__(f"exchange {exchange!r}: {message}" if exchange else message)


class SignalError(SafeguardingError):
    pass


class ImportFormatError(SafeguardingError):
    def __init__(self, message: str, *, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


class ConversationError(SafeguardingError):
    pass


class ConversationFormatError(ConversationError):
    pass


class ConversationLimitError(ConversationError):
    pass


class InsightsError(SafeguardingError):
    """A file given to the insights tools that they cannot read; `source` names it."""

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None) -> None:
        self.source = source
        self.line = line
        where = ":".join(str(x) for x in (source, line) if x is not None)
        super().__init__(f"{where}: {message}" if where else message)


class RecordsFormatError(InsightsError):
    pass


class KeywordSetError(InsightsError):
    pass


class DatabaseNotReadyError(SafeguardingError):
    """The database is missing, cannot be opened, or is at another schema. Only
    `safeguarding db upgrade` (and `serve --demo`) create or migrate one."""


class DatabaseUnavailableError(SafeguardingError):
    """The PostgreSQL server cannot be reached, or closed the connection (a restart, a
    failover, a network cut). The transaction was rolled back; the same request can be
    sent again, and the pool reconnects once the server answers."""


class NotFoundError(SafeguardingError):
    pass


class ConflictError(SafeguardingError):
    pass


class RateLimitedError(SafeguardingError):
    """Too many attempts (from one client address, or in all): try again after
    `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class AuthError(SafeguardingError):
    pass


class ForbiddenError(AuthError):
    pass


class FrankingError(SafeguardingError):
    """Verification or parsing failed. `reason` is one of `safeguarding.device.Failure`'s
    values, stable for callers to branch on; `index` is the message's place in a report."""

    def __init__(self, reason: str, message: str, *, index: int | None = None) -> None:
        self.reason = reason
        self.detail = message
        self.index = index
        where = f"message {index}: " if index is not None else ""
        super().__init__(f"{where}{message} ({reason})")


class AuditKeyError(SafeguardingError):
    pass


class MissingDependencyError(SafeguardingError):
    def __init__(
        self, package: str, extra: str, feature: str, *, distribution: str = "safeguarding"
    ) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"{feature} needs the '{package}' package: pip install '{distribution}[{extra}]'"
        )
