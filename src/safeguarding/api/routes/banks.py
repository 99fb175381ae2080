"""Bank CRUD, entries, import and export, and the do-not-match list."""

from __future__ import annotations

import tempfile
from typing import Any

from fastapi import APIRouter, Query, Request, UploadFile
from fastapi.responses import StreamingResponse
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from safeguarding.api.deps import (
    AdminKey,
    EngineDep,
    KeyFirstRoute,
    ReadKey,
    RowId,
    WriteKey,
    takes_upload,
)
from safeguarding.api.schemas import (
    BankIn,
    BankOut,
    BankPatch,
    DoNotMatchAdded,
    DoNotMatchIn,
    DoNotMatchOut,
    EntriesIn,
    EntriesOut,
    ImportOut,
)
from safeguarding.banks.formats import BankFormat
from safeguarding.errors import NotFoundError
from safeguarding.inputs import MAX_ROW_ID

router = APIRouter(tags=["banks"], route_class=KeyFirstRoute)
_MEDIA_TYPES = {
    BankFormat.HMA: "text/plain",
    BankFormat.CSV: "text/csv",
    BankFormat.JSONL: "application/x-ndjson",
}


@router.get("/banks")
async def list_banks(engine: EngineDep, key: ReadKey) -> list[BankOut]:
    return [BankOut.of(b) for b in await run_in_threadpool(engine.banks.list_banks)]


@router.post("/banks", status_code=201)
async def create_bank(body: BankIn, engine: EngineDep, key: WriteKey) -> BankOut:
    policy = body.policy()
    bank = await run_in_threadpool(
        lambda: engine.banks.create_bank(
            body.name,
            key.actor,
            description=body.description,
            source=body.source,
            policy=policy,
            labels=body.labels,
        )
    )
    return BankOut.of(bank)


@router.get("/banks/{name}")
async def get_bank(name: str, engine: EngineDep, key: ReadKey) -> BankOut:
    return BankOut.of(await run_in_threadpool(engine.banks.get_bank, name))


@router.patch("/banks/{name}")
async def update_bank(name: str, body: BankPatch, engine: EngineDep, key: WriteKey) -> BankOut:
    changes = body.model_dump(exclude_none=True)
    return BankOut.of(
        await run_in_threadpool(lambda: engine.banks.update_bank(name, key.actor, **changes))
    )


@router.delete("/banks/{name}", status_code=204)
async def delete_bank(name: str, engine: EngineDep, key: AdminKey) -> None:
    await run_in_threadpool(engine.banks.delete_bank, name, key.actor)


@router.get("/banks/{name}/entries", response_model=EntriesOut)
async def list_entries(
    name: str,
    engine: EngineDep,
    key: ReadKey,
    after: int = Query(0, ge=0, le=MAX_ROW_ID),
    limit: int = Query(100, ge=1, le=1000),
    signal_type: str | None = None,
) -> dict[str, Any]:
    entries = await run_in_threadpool(
        lambda: engine.banks.entries(name, after_id=after, limit=limit, signal_type=signal_type)
    )
    return {
        "entries": [e.as_dict() for e in entries],
        "next_after": entries[-1].id if len(entries) == limit else None,
    }


@router.post("/banks/{name}/entries", status_code=201)
async def add_entries(name: str, body: EntriesIn, engine: EngineDep, key: WriteKey) -> ImportOut:
    result = await run_in_threadpool(
        lambda: engine.banks.add_signals(
            name,
            [(s.type, s.value, s.quality) for s in body.signals],
            key.actor,
            labels=body.labels,
            metadata=body.metadata,
            source_ref=body.source_ref,
        )
    )
    return ImportOut(bank=name, added=result.added, already_present=result.already_present)


@router.post("/banks/{name}/content", status_code=201)
async def add_content(
    name: str,
    file: list[UploadFile],
    engine: EngineDep,
    key: WriteKey,
    labels: list[str] = Query(default_factory=list),
) -> ImportOut:
    """Hash uploaded files and add their signals to the bank (all files, or none)."""
    await run_in_threadpool(engine.banks.get_bank, name)
    contents = []
    for upload in file:
        data = await upload.read()
        hashes = await run_in_threadpool(engine.hash_for_bank, data, source=upload.filename)
        contents.append((hashes, upload.filename))
    result = await run_in_threadpool(
        lambda: engine.banks.add_hashes(name, contents, key.actor, labels=labels)
    )
    return ImportOut(bank=name, added=result.added, already_present=result.already_present)


@router.delete("/banks/{name}/entries/{entry_id}", status_code=204)
async def remove_entry(name: str, entry_id: RowId, engine: EngineDep, key: WriteKey) -> None:
    removed = await run_in_threadpool(engine.banks.remove_entries, name, [entry_id], key.actor)
    if not removed:
        raise NotFoundError(f"entry {entry_id} not found in bank {name!r}")


@router.post("/banks/{name}/import")
@takes_upload
async def import_entries(
    name: str,
    request: Request,
    engine: EngineDep,
    key: WriteKey,
    format: BankFormat = Query(BankFormat.HMA),
) -> ImportOut:
    """Import a file sent as the request body. All or nothing: a bad line rejects the file
    and the error names the line; importing the same file again adds nothing."""
    await run_in_threadpool(engine.banks.get_bank, name)
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        async for chunk in request.stream():
            spool.write(chunk)
        spool.seek(0)
        result = await run_in_threadpool(engine.banks.import_file, name, format, spool, key.actor)
    return ImportOut(bank=name, added=result.added, already_present=result.already_present)


@router.get("/banks/{name}/export")
async def export_entries(
    name: str, engine: EngineDep, key: ReadKey, format: BankFormat = Query(BankFormat.HMA)
) -> StreamingResponse:
    await run_in_threadpool(engine.banks.get_bank, name)
    lines = await run_in_threadpool(engine.banks.export, name, format)
    return StreamingResponse(
        iterate_in_threadpool(lines),
        media_type=_MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}.{format.value}"'},
    )


@router.get("/do-not-match", response_model=list[DoNotMatchOut])
async def list_do_not_match(engine: EngineDep, key: ReadKey) -> list[dict[str, Any]]:
    entries = await run_in_threadpool(engine.banks.list_do_not_match)
    return [
        {
            "id": e.id,
            "type": e.signal_type,
            "value": e.value,
            "reason": e.reason,
            "added_by": e.added_by,
        }
        for e in entries
    ]


@router.post("/do-not-match", response_model=DoNotMatchAdded, status_code=201)
async def add_do_not_match(body: DoNotMatchIn, engine: EngineDep, key: WriteKey) -> dict[str, Any]:
    entry = await run_in_threadpool(
        engine.banks.add_do_not_match, body.type, body.value, body.reason, key.actor
    )
    return {"id": entry.id, "type": entry.signal_type, "value": entry.value}


@router.delete("/do-not-match/{dnm_id}", status_code=204)
async def remove_do_not_match(dnm_id: RowId, engine: EngineDep, key: WriteKey) -> None:
    await run_in_threadpool(engine.banks.remove_do_not_match, dnm_id, key.actor)
