"""`create_app(settings)`: the whole service, buildable in memory for tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from safeguarding import __version__
from safeguarding.api import errors
from safeguarding.api.body_limit import BodyLimitMiddleware, BodyTooLarge, too_large
from safeguarding.api.routes import banks, cases, content, conversations, health
from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.web import admin as web_admin
from safeguarding.web import auth as web_auth
from safeguarding.web import cases as web_cases
from safeguarding.web import common as web_common


def create_app(settings: Settings | None = None, *, engine: Engine | None = None,
               worker: bool = False) -> FastAPI:
    """`worker`: also deliver the outbox (webhooks, reports) from a background thread, as
    `safeguarding serve` does; tests drive the outbox themselves."""
    settings = settings or (engine.settings if engine else Settings())
    owned = engine is None
    engine = engine or Engine(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(engine.matcher.load)
        runner = engine.worker()
        if worker:
            runner.start()
        yield
        runner.stop()
        if owned:
            engine.close()

    app = FastAPI(
        title="Safeguarding",
        version=__version__,
        description="Child-safety engine: hash uploads and match them against banks of "
        "known material, manage the banks, and assess conversations for grooming and "
        "sextortion as messages arrive. Authenticate with "
        "`Authorization: Bearer sg_...` (create keys with `safeguarding keys create`). "
        "Reviewers work the case queue in the browser at /queue.",
        lifespan=lifespan,
    )
    app.state.engine = engine
    # JSON and forms by default; API routes that take uploads raise it (api/deps.py)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_json_bytes)
    errors.install(app)
    app.add_exception_handler(BodyTooLarge, too_large)
    for module in (health, content, banks, conversations, cases):
        app.include_router(module.router, prefix="/v1")
    for pages in (web_auth, web_cases, web_admin):
        app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=web_common.HERE / "static"), name="static")
    return app
