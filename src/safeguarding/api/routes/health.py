"""Liveness and readiness, for load balancers and orchestrators (no authentication)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from safeguarding import __version__
from safeguarding.api.deps import EngineDep

router = APIRouter(tags=["health"])


@router.get("/health")
def health() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok", "version": __version__}


@router.get("/ready")
async def ready(engine: EngineDep) -> JSONResponse:
    """The database answers, its schema is current and the index is loaded."""
    checks: dict[str, Any] = {}
    try:
        checks["database"] = await run_in_threadpool(engine.db.ping)
        checks["schema_current"] = await run_in_threadpool(engine.db.is_current)
    except Exception as exc:  # any failure means "not ready", with the reason
        checks["database"] = False
        checks["error"] = str(exc)
    checks["index_loaded"] = engine.matcher.loaded
    checks["index_sizes"] = engine.matcher.size()
    ok = bool(checks.get("database") and checks.get("schema_current") and checks["index_loaded"])
    return JSONResponse({"ready": ok, "checks": checks}, status_code=200 if ok else 503)
