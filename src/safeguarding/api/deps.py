"""Request dependencies: the engine, and the API key with a required scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from starlette.concurrency import run_in_threadpool

from safeguarding.auth.keys import ApiKey
from safeguarding.engine import Engine
from safeguarding.inputs import MAX_ROW_ID


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]
#: a row id in a path: larger than a 64-bit id is a 422 here, never a database error
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


def _token(authorization: str | None, api_key: str | None) -> str | None:
    if api_key:
        return api_key
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return authorization


def require(scope: str) -> Callable[..., object]:
    async def dependency(
        engine: EngineDep,
        authorization: Annotated[str | None, Header()] = None,
        x_api_key: Annotated[str | None, Header()] = None,
    ) -> ApiKey:
        return await run_in_threadpool(
            engine.keys.authenticate, _token(authorization, x_api_key), scope)

    return dependency


MatchKey = Annotated[ApiKey, Depends(require("match"))]
ConversationKey = Annotated[ApiKey, Depends(require("conversations"))]
CaseKey = Annotated[ApiKey, Depends(require("cases"))]
ReadKey = Annotated[ApiKey, Depends(require("banks:read"))]
WriteKey = Annotated[ApiKey, Depends(require("banks:write"))]
AdminKey = Annotated[ApiKey, Depends(require("admin"))]
