"""Domain errors -> HTTP statuses with a JSON body `{"error": {"type", "message", ...}}`."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from safeguarding.errors import (
    AuthError,
    ConflictError,
    ConversationFormatError,
    ConversationLimitError,
    CorruptMediaError,
    ForbiddenError,
    ImportFormatError,
    InvalidInputError,
    MediaLimitError,
    MissingDependencyError,
    NotFoundError,
    SafeguardingError,
    SignalError,
    UnsupportedMediaError,
)

STATUS: list[tuple[type[Exception], int]] = [
    (ForbiddenError, 403),
    (AuthError, 401),
    (NotFoundError, 404),
    (ConflictError, 409),
    (MediaLimitError, 413),
    (ConversationLimitError, 413),
    (ConversationFormatError, 422),
    (UnsupportedMediaError, 415),
    (CorruptMediaError, 422),
    (SignalError, 422),
    (InvalidInputError, 422),
    (ImportFormatError, 422),
    (MissingDependencyError, 501),
    (SafeguardingError, 400),
]


def status_for(exc: Exception) -> int:
    return next(code for kind, code in STATUS if isinstance(exc, kind))


def error_body(exc: Exception) -> dict[str, Any]:
    body: dict[str, Any] = {"type": type(exc).__name__, "message": str(exc)}
    if isinstance(exc, ImportFormatError) and exc.line is not None:
        body["line"] = exc.line
    if isinstance(exc, InvalidInputError):
        body["field"] = exc.field
    if isinstance(exc, MediaLimitError):
        body["limit"] = exc.limit
    return body


def install(app: FastAPI) -> None:
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        status = status_for(exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"error": error_body(exc)}, status_code=status, headers=headers)

    async def invalid_request(request: Request, exc: Exception) -> JSONResponse:
        # FastAPI's own handler, except that a body that is not UTF-8 is shown with
        # replacement characters instead of failing (it used to fail into a ValueError)
        assert isinstance(exc, RequestValidationError)
        detail = jsonable_encoder(exc.errors(), custom_encoder={
            bytes: lambda raw: raw.decode("utf-8", "replace")})
        return JSONResponse({"detail": detail}, status_code=422)

    app.add_exception_handler(SafeguardingError, handle)
    app.add_exception_handler(RequestValidationError, invalid_request)
