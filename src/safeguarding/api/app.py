"""`create_app(settings)`: the whole service, buildable in memory for tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from safeguarding import __version__
from safeguarding.api import errors
from safeguarding.api.body_limit import BodyLimitMiddleware
from safeguarding.api.routes import banks, content, conversations, health
from safeguarding.config import Settings
from safeguarding.engine import Engine


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    settings = settings or (engine.settings if engine else Settings())
    owned = engine is None
    engine = engine or Engine(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(engine.matcher.load)
        yield
        if owned:
            engine.close()

    app = FastAPI(
        title="Safeguarding",
        version=__version__,
        description="Child-safety engine: hash uploads and match them against banks of "
        "known material, manage the banks, and assess conversations for grooming and "
        "sextortion as messages arrive. Authenticate with "
        "`Authorization: Bearer sg_...` (create keys with `safeguarding keys create`).",
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_upload_bytes)
    errors.install(app)
    for module in (health, content, banks, conversations):
        app.include_router(module.router, prefix="/v1")
    return app
