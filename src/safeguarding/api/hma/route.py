"""What every HMA-compatible route shares: HMA's error shape and statuses, the URL fetcher,
and the request pieces HMA's endpoints read the same way (an upload whose form field names
its content type, `types=`, `banks=`).

HMA answers every error as `{"message": "..."}` (its `api_error_handler`) with 400 for
anything the caller got wrong, 403 for a bank that already exists, 404 for an unknown bank
and 413 for content over the size limit; `HmaRoute` turns our errors (and FastAPI's
validation errors) into that shape, after our API key check (`KeyFirstRoute`).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile
from starlette.responses import Response

from safeguarding.api.body_limit import BodyTooLarge
from safeguarding.api.deps import KeyFirstRoute
from safeguarding.errors import (
    AuthError,
    ConflictError,
    ForbiddenError,
    MediaLimitError,
    MissingDependencyError,
    NotFoundError,
    RateLimitedError,
    SafeguardingError,
)
from safeguarding.hashing.registry import get_signal_type
from safeguarding.media.remote import RemoteFetcher
from safeguarding.shells import engine_of

#: HMA's content types: the multipart field name of an upload (HMA's `photo`, `video`)
CONTENT_TYPES = ("photo", "video")

_STATUS: list[tuple[type[Exception], int]] = [
    (ForbiddenError, 403),
    (AuthError, 401),
    (NotFoundError, 404),
    (ConflictError, 403),  # HMA: "Bank already exists" is a 403
    (RateLimitedError, 429),
    (MediaLimitError, 413),
    (MissingDependencyError, 501),
    (SafeguardingError, 400),
]


def hma_error(status: int, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"message": message}, status_code=status, headers=headers)


class HmaRoute(KeyFirstRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def hma_errors(request: Request) -> Response:
            try:
                return await handler(request)
            except SafeguardingError as exc:
                status = next(code for kind, code in _STATUS if isinstance(exc, kind))
                return hma_error(status, str(exc))
            except RequestValidationError as exc:
                first = exc.errors()[0] if exc.errors() else {}
                where = ".".join(str(p) for p in first.get("loc", ()))
                return hma_error(400, f"{where}: {first.get('msg', 'invalid request')}")
            except HTTPException as exc:
                return hma_error(exc.status_code, str(exc.detail))
            except BodyTooLarge:
                return hma_error(413, "Content too large")

        return hma_errors


def fetcher_of(request: Request) -> RemoteFetcher:
    """The app's URL fetcher, made once from the settings (tests put their own, with a
    resolver and transport of theirs, in `app.state.hma_fetcher`)."""
    state = request.app.state
    fetcher: RemoteFetcher | None = getattr(state, "hma_fetcher", None)
    if fetcher is None:
        settings = engine_of(request).settings
        fetcher = RemoteFetcher(settings.hma_url_allowed_hosts, settings.max_upload_bytes)
        state.hma_fetcher = fetcher
    return fetcher


def selected_types(types: str | None) -> set[str] | None:
    """HMA's `types=pdq,md5`: the signal types to keep (None: all)."""
    if types is None:
        return None
    names = {get_signal_type(n).name for n in types.split(",") if n.strip()}
    if not names:
        raise HTTPException(400, "empty signal type selection")
    return names


def selected_banks(banks: str | None) -> set[str] | None:
    """HMA's `banks=A,B`: only matches in these banks (None: every bank)."""
    return {b.strip() for b in banks.split(",") if b.strip()} if banks else None


async def one_upload(request: Request) -> tuple[bytes, str, dict[str, str]]:
    """HMA's multipart upload: one file, under a field named by its content type (`photo`
    or `video`). Returns the bytes, the file name and the form's other (text) fields."""
    async with request.form() as form:  # closes the spooled files
        files = [(k, v) for k, v in form.multi_items() if isinstance(v, UploadFile)]
        if not files:
            raise HTTPException(400, "Missing multipart/form-data file upload")
        if len(files) > 1:
            raise HTTPException(400, "Only one file allowed per request")
        field, upload = files[0]
        if field not in CONTENT_TYPES:
            raise HTTPException(400, f"no such content_type: '{field}'")
        assert isinstance(upload, UploadFile)
        data = await upload.read()
        text = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        return data, upload.filename or "upload", text
