"""`create_app(settings)`: the whole service, the JSON API under /v1 (`api/`) and the
reviewers' pages (`web/`) over one engine, buildable in memory for tests. The one place
both shells are mounted, their errors mapped (`shells.py`) and the body limit applied."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from safeguarding import __version__, api, web
from safeguarding.api.body_limit import BodyLimitMiddleware, BodyTooLarge, too_large
from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.errors import DatabaseUnavailableError, RateLimitedError, SafeguardingError
from safeguarding.shells import error_body, status_for

DESCRIPTION = (
    "Child-safety engine: hash uploads and match them against banks of known material, "
    "manage the banks, and assess conversations for grooming and sextortion as messages "
    "arrive. Authenticate with `Authorization: Bearer sg_...` (create keys with "
    "`safeguarding keys create`). Reviewers work the case queue in the browser at /queue."
)


def create_app(
    settings: Settings | None = None, *, engine: Engine | None = None, worker: bool = False
) -> FastAPI:
    """`worker`: also deliver the outbox (webhooks, reports) from a background thread, as
    `safeguarding serve` does, and fetch exchanges in another when `exchange_worker` is set;
    tests drive the outbox themselves."""
    settings = settings or (engine.settings if engine else Settings())
    owned = engine is None
    engine = engine or Engine(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(engine.matcher.load)
        runner = await run_in_threadpool(engine.worker)
        fetching = await run_in_threadpool(engine.exchange_worker)
        if worker:
            runner.start()
            if settings.exchange_worker:
                fetching.start()
        yield
        await run_in_threadpool(fetching.stop)  # each joins its thread
        await run_in_threadpool(runner.stop)
        if owned:
            await run_in_threadpool(engine.close)

    app = FastAPI(
        title="Safeguarding",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # served from packaged assets by web/docs.py, never from a CDN
        docs_url=None,
        redoc_url=None,
    )
    app.state.engine = engine
    # JSON and forms by default; API routes that take uploads raise it (api/deps.py)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_json_bytes)
    app.add_exception_handler(SafeguardingError, _domain_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(BodyTooLarge, too_large)
    app.include_router(api.router, prefix="/v1")
    app.include_router(api.hma.router, prefix=settings.hma_prefix)
    app.include_router(web.router)
    if settings.self_report_enabled:
        app.include_router(web.portal.router)
    app.mount("/static", StaticFiles(directory=web.STATIC), name="static")
    return app


def app_from_environment() -> FastAPI:
    """One of `safeguarding serve --workers N`'s processes: the settings from the
    environment, no outbox thread (workers deliver)."""
    return create_app(Settings())


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SafeguardingError)
    status = status_for(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(exc, RateLimitedError):
        headers = {"Retry-After": str(exc.retry_after)}
    elif isinstance(exc, DatabaseUnavailableError):
        headers = {"Retry-After": "1"}  # a restart or failover: worth asking again soon
    return JSONResponse({"error": error_body(exc)}, status_code=status, headers=headers)


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    # FastAPI's own handler, except that a body that is not UTF-8 is shown with
    # replacement characters instead of failing (it used to fail into a ValueError)
    assert isinstance(exc, RequestValidationError)
    detail = jsonable_encoder(
        exc.errors(), custom_encoder={bytes: lambda raw: raw.decode("utf-8", "replace")}
    )
    return JSONResponse({"detail": detail}, status_code=422)
