"""What the two HTTP shells (`api/`, the JSON API, and `web/`, the reviewers' pages) share,
so they answer alike: the engine a request is served by, domain errors as HTTP statuses
(one table: a JSON body in the API, an error page in the pages), and row ids in paths.

Only errors from the tree in `errors.py` are mapped; anything else is a bug and a 500.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Request

from safeguarding.engine import Engine
from safeguarding.errors import (
    AuthError,
    ConflictError,
    ConversationFormatError,
    ConversationLimitError,
    CorruptMediaError,
    DatabaseUnavailableError,
    ExchangeError,
    ForbiddenError,
    FrankingError,
    ImportFormatError,
    InvalidInputError,
    MediaLimitError,
    MissingDependencyError,
    NotFoundError,
    RateLimitedError,
    SafeguardingError,
    SignalError,
    UnsupportedMediaError,
)
from safeguarding.inputs import MAX_ROW_ID

#: the first class an error is an instance of gives its status
STATUS: list[tuple[type[Exception], int]] = [
    (ForbiddenError, 403),
    (AuthError, 401),
    (NotFoundError, 404),
    (ConflictError, 409),
    (RateLimitedError, 429),
    (MediaLimitError, 413),
    (ConversationLimitError, 413),
    (ConversationFormatError, 422),
    (UnsupportedMediaError, 415),
    (CorruptMediaError, 422),
    (SignalError, 422),
    (InvalidInputError, 422),
    (FrankingError, 422),
    (ImportFormatError, 422),
    (MissingDependencyError, 501),
    (ExchangeError, 502),
    (DatabaseUnavailableError, 503),
    (SafeguardingError, 400),
]

#: a row id in a path: larger than a 64-bit id is a 422 here, never a database error
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def status_for(exc: SafeguardingError) -> int:
    return next(code for kind, code in STATUS if isinstance(exc, kind))


def error_body(exc: SafeguardingError) -> dict[str, Any]:
    """What the API answers (`{"error": ...}`): the error's type and message, and the
    field, line or limit it names."""
    body: dict[str, Any] = {"type": type(exc).__name__, "message": str(exc)}
    if isinstance(exc, ImportFormatError) and exc.line is not None:
        body["line"] = exc.line
    if isinstance(exc, InvalidInputError):
        body["field"] = exc.field
    if isinstance(exc, MediaLimitError):
        body["limit"] = exc.limit
    if isinstance(exc, FrankingError):
        body["reason"] = exc.reason
        if exc.index is not None:
            body["index"] = exc.index
    return body
