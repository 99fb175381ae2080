"""HMA's curation endpoints (`/c/...`) over our banks.

HMA's bank is `{"name", "matching_enabled_ratio"}`; ours is on or off, so the ratio is 1.0
or 0.0 and any other is refused (we never let a coin flip decide whether a list is
matched). Content added through HMA is stored as one of our entries per signal type; its
`id` is the entry id of its first signal (PDQ for an image, vPDQ for a video), the id that
lookups answer for a PDQ or vPDQ match. HMA's metadata keeps its fields: `content_id` as the
entries' source reference, `content_uri`, `json` and `note` in their metadata. Banks are
created with our default policy (review, PDQ threshold 31); set policies through /v1.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from safeguarding.api.deps import AdminKey, EngineDep, ReadKey, RowId, WriteKey, takes_upload
from safeguarding.api.hma.hashing import hashes_of_url
from safeguarding.api.hma.route import HmaRoute, one_upload, selected_types
from safeguarding.api.hma.schemas import BankConfig, ContentAdded, Deleted, SuccessResponse
from safeguarding.banks.model import Bank, NewEntry, check_source_ref
from safeguarding.engine import Engine
from safeguarding.errors import InvalidInputError
from safeguarding.hashing.base import Signal
from safeguarding.hashing.registry import get_signal_type, validate_signal
from safeguarding.inputs import MAX_ID_CHARS, free_text, platform_id, short_text

router = APIRouter(prefix="/c", tags=["HMA compatibility"], route_class=HmaRoute)
MAX_NOTE_CHARS = 255  # HMA's
MAX_URI_CHARS = 2000


class BankIn(BaseModel):
    name: str
    enabled_ratio: float | None = None
    enabled: bool | None = None


class BankUpdate(BaseModel):
    name: str | None = None
    enabled_ratio: float | None = None
    enabled: bool | None = None


class Metadata(BaseModel):
    """HMA's `BankedContentMetadata` (its `collab` is set by exchanges, not callers)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    content_id: str | None = Field(None, max_length=MAX_ID_CHARS)
    content_uri: str | None = Field(None, max_length=MAX_URI_CHARS)
    json_data: dict[str, Any] | None = Field(None, alias="json")


def _config(bank: Bank) -> dict[str, Any]:
    return {"name": bank.name, "matching_enabled_ratio": 1.0 if bank.enabled else 0.0}


def _enabled(enabled: bool | None, ratio: float | None) -> bool | None:
    if ratio is not None:
        if ratio not in (0.0, 1.0):
            raise HTTPException(400, "enabled_ratio must be 0 or 1: banks here are on or off")
        return ratio == 1.0
    return enabled


@router.get("/banks", response_model=list[BankConfig])
async def list_banks(engine: EngineDep, key: ReadKey) -> list[dict[str, Any]]:
    return [_config(b) for b in await run_in_threadpool(engine.banks.list_banks)]


@router.post("/banks", status_code=201, response_model=BankConfig)
async def create_bank(body: BankIn, engine: EngineDep, key: WriteKey) -> dict[str, Any]:
    enabled = _enabled(body.enabled, body.enabled_ratio)

    def create() -> Bank:
        bank = engine.banks.create_bank(body.name, key.actor)
        if enabled is False:
            bank = engine.banks.update_bank(body.name, key.actor, enabled=False)
        return bank

    return _config(await run_in_threadpool(create))


@router.get("/bank/{bank_name}", response_model=BankConfig)
async def get_bank(bank_name: str, engine: EngineDep, key: ReadKey) -> dict[str, Any]:
    return _config(await run_in_threadpool(engine.banks.get_bank, bank_name))


@router.put("/bank/{bank_name}", response_model=BankConfig)
async def update_bank(
    bank_name: str, body: BankUpdate, engine: EngineDep, key: WriteKey
) -> dict[str, Any]:
    if body.name is not None and body.name != bank_name:
        raise HTTPException(400, "renaming a bank is not supported: bank names are kept keys")
    enabled = _enabled(body.enabled, body.enabled_ratio)
    bank = await run_in_threadpool(
        lambda: engine.banks.update_bank(bank_name, key.actor, enabled=enabled)
    )
    return _config(bank)


@router.delete("/bank/{bank_name}", response_model=SuccessResponse)
async def delete_bank(bank_name: str, engine: EngineDep, key: AdminKey) -> dict[str, str]:
    await run_in_threadpool(engine.banks.delete_bank, bank_name, key.actor)
    return {"message": "Done"}


def _note(note: object) -> str | None:
    if not note:
        return None
    if not isinstance(note, str):
        raise HTTPException(400, "note should be a string")
    return free_text("note", note, MAX_NOTE_CHARS) or None


def _metadata(raw: object) -> Metadata | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise HTTPException(400, "metadata should be a json object")
    raw = {k: v for k, v in raw.items() if k != "collab"}
    try:
        metadata = Metadata.model_validate(raw)
    except ValueError as exc:
        raise HTTPException(400, f"Invalid metadata: {exc}") from None
    if metadata.content_id is not None:
        platform_id("content_id", metadata.content_id)
    if metadata.content_uri is not None:
        short_text("content_uri", metadata.content_uri, MAX_URI_CHARS)
    # PostgreSQL's JSON cannot hold a NUL character, in a key or a value
    if metadata.json_data is not None and "\\u0000" in json.dumps(metadata.json_data):
        raise InvalidInputError("json", "must not contain NUL characters")
    return metadata


def _add(
    engine: Engine,
    bank_name: str,
    signals: list[Signal],
    actor: str,
    metadata: Metadata | None,
    note: str | None,
) -> dict[str, Any]:
    if not signals:
        raise InvalidInputError("signals", "No signals given")
    extra: dict[str, Any] = {}
    if metadata is not None and metadata.content_uri:
        extra["content_uri"] = metadata.content_uri
    if metadata is not None and metadata.json_data is not None:
        extra["json"] = metadata.json_data
    if note:
        extra["note"] = note
    source_ref = check_source_ref(metadata.content_id if metadata else None)
    entries = [
        NewEntry(
            s.type,
            s.value,
            s.quality,
            [],
            {**extra, "view": s.view} if s.view else dict(extra),
            source_ref,
        )
        for s in signals
    ]
    engine.banks.add_entries(bank_name, entries, actor)
    # the content's id is its first perceptual signal's entry (PDQ, vPDQ), else its first
    first = sorted(
        (s for s in signals if s.view is None), key=lambda s: not get_signal_type(s.type).perceptual
    )
    if not first:
        raise InvalidInputError("signals", "No signals of the content itself given")
    ids = engine.banks.entry_ids(bank_name, [(s.type, s.value) for s in first])
    return {
        "id": ids[(first[0].type, first[0].value)],
        "signals": {s.type: s.value for s in first},
    }


@router.post("/bank/{bank_name}/content", response_model=ContentAdded)
@takes_upload
async def add_content(
    bank_name: str,
    request: Request,
    engine: EngineDep,
    key: WriteKey,
    url: Annotated[str | None, Query(description="Content to fetch (allow-list).")] = None,
    types: str | None = None,
) -> dict[str, Any]:
    """Hash content (an upload under `photo` or `video`, or `?url=`) and add it to a bank.
    Answers `{"id": 1234, "signals": {"pdq": "...", "md5": "..."}}`."""
    await run_in_threadpool(engine.banks.get_bank, bank_name)  # 404 before any work
    wanted = selected_types(types)
    if url:
        hashes = await hashes_of_url(request, engine, url)
        form: dict[str, str] = {}
        if request.headers.get("content-type", "").startswith("application/json"):
            body = await request.json()
            form = body if isinstance(body, dict) else {}
    elif request.headers.get("content-type", "").startswith("multipart/form-data"):
        data, name, form = await one_upload(request)
        hashes = await run_in_threadpool(lambda: engine.hash_for_bank(data, source=name))
    else:
        raise HTTPException(400, "Neither `url` nor multipart file upload was received")
    raw_meta: object = form.get("metadata")
    if isinstance(raw_meta, str):
        try:
            raw_meta = json.loads(raw_meta)
        except ValueError:
            raise HTTPException(400, "metadata form field must be valid JSON") from None
    metadata = _metadata(raw_meta)
    note = _note(form.get("note"))
    signals = [s for s in hashes.signals if wanted is None or s.type in wanted]
    return await run_in_threadpool(_add, engine, bank_name, signals, key.actor, metadata, note)


@router.post("/bank/{bank_name}/signal", response_model=ContentAdded)
async def add_signals(
    bank_name: str, body: dict[str, Any], engine: EngineDep, key: WriteKey
) -> dict[str, Any]:
    """Add hashes directly: `{"pdq": "f8f8...", "note": "..."}`."""
    await run_in_threadpool(engine.banks.get_bank, bank_name)
    note = _note(body.pop("note", None))
    signals = []
    for name, value in body.items():
        if not isinstance(value, str):
            raise HTTPException(400, f"Invalid {name} signal: not a string")
        kind, canonical = validate_signal(name, value)
        signals.append(Signal(kind, canonical))
    return await run_in_threadpool(_add, engine, bank_name, signals, key.actor, None, note)


@router.delete("/bank/{bank_name}/content/{content_id}", response_model=Deleted)
async def remove_content(
    bank_name: str, content_id: RowId, engine: EngineDep, key: WriteKey
) -> dict[str, int]:
    """Remove an entry (by the id a lookup or an add answered): `{"deleted": 1}`."""
    removed = await run_in_threadpool(
        engine.banks.remove_entries, bank_name, [content_id], key.actor
    )
    return {"deleted": removed}
