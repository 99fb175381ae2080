"""Liveness and readiness, for load balancers and orchestrators (no authentication)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from safeguarding import __version__
from safeguarding.api.deps import EngineDep, KeyFirstRoute
from safeguarding.api.schemas import HealthOut, ReadyOut

router = APIRouter(tags=["health"], route_class=KeyFirstRoute)
log = logging.getLogger(__name__)


@router.get("/health", response_model=HealthOut)
async def health() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok", "version": __version__}


@router.get(
    "/ready",
    response_model=ReadyOut,
    response_model_exclude_unset=True,
    responses={503: {"model": ReadyOut, "description": "Not ready"}},
)
async def ready(engine: EngineDep) -> JSONResponse:
    """The database answers, its schema is current and the index is loaded."""
    checks: dict[str, Any] = {}
    try:
        checks["database"] = await run_in_threadpool(engine.db.ping)
        checks["schema_current"] = await run_in_threadpool(engine.db.is_current)
    except Exception:  # any failure means "not ready"
        # The driver's message names the database's host and port: for the log, not for
        # whoever asks (this route takes no key).
        log.exception("readiness check: the database is not usable")
        checks["database"] = False
        checks["error"] = "the database is not reachable or not usable (see the server log)"
    checks["index_loaded"] = engine.matcher.loaded
    checks["index_sizes"] = await run_in_threadpool(engine.matcher.size)
    ok = bool(checks.get("database") and checks.get("schema_current") and checks["index_loaded"])
    return JSONResponse({"ready": ok, "checks": checks}, status_code=200 if ok else 503)
