"""Refuse request bodies over a size, counting bytes as they stream in (not trusting
Content-Length), so an oversized body is cut off before it fills memory or disk.

The limit is the route's: `KeyFirstRoute` (api/deps.py) names it in the request scope once
the route is known and the API key checked, before a byte of the body is read; uploads get
`max_upload_bytes`, everything else (JSON, forms) the default given here, `max_json_bytes`.
"""

from __future__ import annotations

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: where a route names its body limit in the request scope
LIMIT_KEY = "safeguarding.body_limit"


class BodyTooLarge(HTTPException):
    """An HTTPException so FastAPI's body parsing re-raises it rather than calling it a 400."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(413, f"request body exceeds the limit of {limit} bytes")


async def too_large(request: Request, exc: Exception) -> JSONResponse:
    """The 413 in the shape of every other error (installed by the app)."""
    assert isinstance(exc, BodyTooLarge)
    return JSONResponse(
        {"error": {"type": "MediaLimitError", "limit": "request bytes", "message": exc.detail}},
        status_code=413,
        headers={"Connection": "close"},
    )


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        received = 0

        async def limited() -> Message:
            nonlocal received
            limit = int(scope.get(LIMIT_KEY, self.max_bytes))
            if (
                received == 0
                and declared is not None
                and declared.isdigit()
                and (int(declared) > limit)
            ):
                raise BodyTooLarge(limit)  # said so up front: read none of it
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited, send)
