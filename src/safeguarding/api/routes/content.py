"""Hash and match uploads or precomputed signals. One call can carry a batch."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, UploadFile
from starlette.concurrency import run_in_threadpool

from safeguarding.api.deps import EngineDep, KeyFirstRoute, MatchKey
from safeguarding.api.routes.cases import case_ref
from safeguarding.api.schemas import (
    MAX_BATCH,
    SURFACE_HELP,
    FileResults,
    MatchSignalsIn,
    SignalsResults,
)
from safeguarding.cases.model import Subject
from safeguarding.cases.uploads import UploadInfo
from safeguarding.engine import Engine
from safeguarding.errors import SafeguardingError
from safeguarding.hashing.registry import validate_signal
from safeguarding.inputs import MAX_ID_CHARS
from safeguarding.insights.counters import Tally
from safeguarding.matching.matcher import QuerySignal
from safeguarding.shells import error_body, status_for

router = APIRouter(tags=["matching"], route_class=KeyFirstRoute)


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


@router.post("/hash", response_model=FileResults, response_model_exclude_unset=True)
async def hash_upload(file: list[UploadFile], engine: EngineDep, key: MatchKey) -> dict[str, Any]:
    """Hash uploaded images (PDQ, MD5, SHA-256) or videos (vPDQ, MD5, SHA-256)."""
    return await _each(
        file, lambda data, name: {"hashes": engine.hash_bytes(data, source=name).as_dict()}
    )


def _match_upload(
    engine: Engine,
    data: bytes,
    name: str,
    content_id: str | None,
    account_id: str | None,
    upload: UploadInfo,
    tally: Tally,
) -> dict[str, Any]:
    hashes, result, opened = engine.match_upload(
        data,
        source=name,
        content_id=content_id,
        account_id=account_id,
        upload=upload,
        tally=tally,
    )
    out = {"hashes": hashes.as_dict(), **result.as_dict()}
    if opened:
        out["case"] = case_ref(opened)
    return out


@router.post("/match", response_model=FileResults, response_model_exclude_unset=True)
async def match_upload(
    file: list[UploadFile],
    engine: EngineDep,
    key: MatchKey,
    content_id: Annotated[
        list[str] | None, Form(description="Your id for each file, in order.")
    ] = None,
    account_id: Annotated[
        str | None, Form(max_length=MAX_ID_CHARS, description="The uploader's account.")
    ] = None,
    uploader_ip: Annotated[
        str | None, Form(description="The uploader's IP address (v4 or v6).")
    ] = None,
    uploader_port: Annotated[
        int | None, Form(description="The uploader's source port (1-65535).")
    ] = None,
    screen_name: Annotated[str | None, Form(description="The uploader's display name.")] = None,
    uploaded_at: Annotated[
        str | None, Form(description="When you received the upload: ISO 8601 with a UTC offset.")
    ] = None,
    surface: Annotated[str | None, Form(description=SURFACE_HELP)] = None,
) -> dict[str, Any]:
    """Hash uploads and match them (all 8 rotations and flips) against every enabled bank.
    A match opens (or joins) a review case, by the matched banks' policies. The optional
    upload fields (which apply to every file of the request) are kept with the case's
    sampled evidence for the evidence retention period."""
    upload = UploadInfo.parse(uploader_ip, uploader_port, screen_name, uploaded_at, surface)
    ids: list[str | None] = list(content_id or [])
    if ids and len(ids) != len(file):
        raise HTTPException(422, "send one content_id per file, or none")
    for given in ids:  # refused whether or not the file matches
        Subject(given, account_id)
    if account_id is not None:
        Subject(account_id=account_id)
    names = iter(ids or [None] * len(file))
    tally = Tally()  # the request's counts, written once (items that open a case: with it)
    try:
        return await _each(
            file,
            lambda data, name: _match_upload(
                engine, data, name, next(names), account_id, upload, tally
            ),
        )
    finally:
        await run_in_threadpool(engine.counters.add, tally)


def _match_signals(engine: Engine, body: MatchSignalsIn) -> dict[str, Any]:
    # every item is checked before any is matched, so a bad item changes nothing
    checked = []
    for item in body.items:
        signals = []
        for s in item.signals:
            kind, value = validate_signal(s.type, s.value)
            signals.append(QuerySignal(kind, value, s.quality))
        checked.append((item, signals, item.upload()))
    results = []
    tally = Tally()  # the request's counts, written once (items that open a case: with it)
    try:
        for item, signals, upload in checked:
            subject = Subject(item.id, item.account_id) if item.id or item.account_id else None
            given = [{"type": s.type, "view": None, "value": s.value} for s in signals]
            result, opened = engine.match_and_open(
                signals, subject, upload, every_hash=given, tally=tally
            )
            out = {"id": item.id, **result.as_dict()}
            if opened:
                out["case"] = case_ref(opened)
            results.append(out)
    finally:
        engine.counters.add(tally)
    return {"results": results}


@router.post("/match/signals", response_model=SignalsResults, response_model_exclude_unset=True)
async def match_signals(body: MatchSignalsIn, engine: EngineDep, key: MatchKey) -> dict[str, Any]:
    """Match precomputed signals (a batch of up to 1000 items)."""
    return await run_in_threadpool(_match_signals, engine, body)
