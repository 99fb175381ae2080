"""Hash and match uploads or precomputed signals. One call can carry a batch."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, UploadFile
from starlette.concurrency import run_in_threadpool

from safeguarding.api.deps import EngineDep, MatchKey
from safeguarding.api.errors import error_body, status_for
from safeguarding.api.schemas import MAX_BATCH, MatchSignalsIn
from safeguarding.engine import Engine
from safeguarding.errors import SafeguardingError
from safeguarding.hashing.registry import validate_signal
from safeguarding.matching.matcher import QuerySignal

router = APIRouter(tags=["matching"])


async def _each(files: list[UploadFile], work: Any) -> dict[str, Any]:
    """Run `work(bytes, name)` per file. A bad file in a batch becomes that item's error;
    a single bad file is the request's error."""
    if not files:
        raise HTTPException(422, "send at least one file in the 'file' field")
    if len(files) > MAX_BATCH:
        raise HTTPException(422, f"at most {MAX_BATCH} files per request")
    results = []
    for upload in files:
        name = upload.filename or "upload"
        data = await upload.read()
        try:
            results.append({"name": name, **await run_in_threadpool(work, data, name)})
        except SafeguardingError as exc:
            if len(files) == 1:
                raise
            results.append({"name": name, "error": error_body(exc), "status": status_for(exc)})
    return {"results": results}


@router.post("/hash")
async def hash_upload(file: list[UploadFile], engine: EngineDep, key: MatchKey
                      ) -> dict[str, Any]:
    """Hash uploaded images (PDQ, MD5, SHA-256) or videos (vPDQ, MD5, SHA-256)."""
    return await _each(file, lambda data, name: {"hashes": engine.hash_bytes(
        data, source=name).as_dict()})


def _match_upload(engine: Engine, data: bytes, name: str) -> dict[str, Any]:
    hashes, result = engine.match_bytes(data, source=name)
    return {"hashes": hashes.as_dict(), **result.as_dict()}


@router.post("/match")
async def match_upload(file: list[UploadFile], engine: EngineDep, key: MatchKey
                       ) -> dict[str, Any]:
    """Hash uploads and match them (all 8 rotations and flips) against every enabled bank."""
    return await _each(file, lambda data, name: _match_upload(engine, data, name))


def _match_signals(engine: Engine, body: MatchSignalsIn) -> dict[str, Any]:
    results = []
    for item in body.items:
        signals = []
        for s in item.signals:
            kind, value = validate_signal(s.type, s.value)
            signals.append(QuerySignal(kind, value, s.quality))
        results.append({"id": item.id, **engine.match_signals(signals).as_dict()})
    return {"results": results}


@router.post("/match/signals")
async def match_signals(body: MatchSignalsIn, engine: EngineDep, key: MatchKey
                        ) -> dict[str, Any]:
    """Match precomputed signals (a batch of up to 1000 items)."""
    return await run_in_threadpool(_match_signals, engine, body)
