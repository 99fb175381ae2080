"""Request dependencies: the engine, and the API key with a required scope, checked before
the request body is read.

FastAPI reads and parses a route's body before it solves the route's dependencies, so a
key checked as a plain dependency let anyone without one make the server read a 150 MiB
upload or parse a 37 MiB JSON body before the 401 (issue 11). `KeyFirstRoute` runs the key
check first and names the body limit for the route (uploads or JSON); `BodyLimitMiddleware`
enforces it as the bytes arrive.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request, params
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from safeguarding.api.body_limit import LIMIT_KEY
from safeguarding.auth.keys import ApiKey, Scope
from safeguarding.engine import Engine
from safeguarding.shells import RowId as RowId  # the API's path ids, as the pages'
from safeguarding.shells import engine_of

_KEY = "safeguarding.api_key"
F = TypeVar("F", bound=Callable[..., Any])


async def _engine(request: Request) -> Engine:
    # async: FastAPI runs a plain-def dependency in the thread pool, a hop per request
    return engine_of(request)


EngineDep = Annotated[Engine, Depends(_engine)]


def _token(authorization: str | None, api_key: str | None) -> str | None:
    if api_key:
        return api_key
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return authorization


class Require:
    """The dependency `Depends(Require("match"))`: the caller's API key, which must have the
    scope. Under `KeyFirstRoute` it was checked before the body was read."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    async def check(self, request: Request) -> ApiKey:
        token = _token(request.headers.get("authorization"), request.headers.get("x-api-key"))
        # a key this process checked lately is known without the database (never blocks);
        # any other goes to the thread pool, which reads it
        known = engine_of(request).keys.cached(token, self.scope)
        if known is not None:
            return known
        return await run_in_threadpool(engine_of(request).keys.authenticate, token, self.scope)

    async def __call__(
        self,
        request: Request,
        # declared so the OpenAPI document shows them; read from the request in `check`
        authorization: Annotated[str | None, Header()] = None,
        x_api_key: Annotated[str | None, Header()] = None,
    ) -> ApiKey:
        checked: ApiKey | None = request.scope.get(_KEY)
        return checked if checked is not None else await self.check(request)


def takes_upload(endpoint: F) -> F:
    """Mark a route that reads its body as a stream (an import): the upload limit applies."""
    endpoint._safeguarding_upload = True  # type: ignore[attr-defined]
    return endpoint


class KeyFirstRoute(APIRoute):
    """Checks the API key, and names the body limit, before FastAPI reads the body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        requirement = next(
            (d.call for d in self.dependant.dependencies if isinstance(d.call, Require)), None
        )
        upload = bool(getattr(self.endpoint, "_safeguarding_upload", False)) or (
            self.body_field is not None and isinstance(self.body_field.field_info, params.File)
        )

        async def key_first(request: Request) -> Response:
            settings = engine_of(request).settings
            request.scope[LIMIT_KEY] = (
                settings.max_upload_bytes if upload else settings.max_json_bytes
            )
            if requirement is not None:
                request.scope[_KEY] = await requirement.check(request)
            return await handler(request)

        return key_first


MatchKey = Annotated[ApiKey, Depends(Require(Scope.MATCH))]
ConversationKey = Annotated[ApiKey, Depends(Require(Scope.CONVERSATIONS))]
CaseKey = Annotated[ApiKey, Depends(Require(Scope.CASES))]
ReadKey = Annotated[ApiKey, Depends(Require(Scope.BANKS_READ))]
WriteKey = Annotated[ApiKey, Depends(Require(Scope.BANKS_WRITE))]
FeedKey = Annotated[ApiKey, Depends(Require(Scope.FEEDS_READ))]
FrankingKey = Annotated[ApiKey, Depends(Require(Scope.FRANKING))]
AdminKey = Annotated[ApiKey, Depends(Require(Scope.ADMIN))]
