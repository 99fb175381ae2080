"""HMA's matching endpoints (`/m/...`) over our matcher.

A lookup answers HMA's shape, bank name -> matches, each `{"bank_content_id": <our entry
id>, "distance": "<distance>"}`; keyed first by signal type when content was hashed
(an upload, a URL). Matches are our matcher's: each bank's policy (PDQ threshold and
minimum quality), disabled banks left out and the do-not-match list applied; an upload is
matched in all 8 rotations and flips. No case is opened: these are lookups (open cases
through `/v1/match` with a content id).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from safeguarding.api.deps import EngineDep, MatchKey, ReadKey, takes_upload
from safeguarding.api.hma.hashing import hashes_of_upload, hashes_of_url
from safeguarding.api.hma.route import HmaRoute, selected_banks, selected_types
from safeguarding.api.hma.schemas import (
    CompareResponse,
    IndexStatusResponse,
    LookupResponse,
    RawLookupResponse,
)
from safeguarding.engine import Engine
from safeguarding.hashing.hasher import ContentHashes
from safeguarding.hashing.registry import SIGNAL_TYPES, get_signal_type, validate_signal
from safeguarding.matching.matcher import QuerySignal
from safeguarding.matching.result import Match

router = APIRouter(prefix="/m", tags=["HMA compatibility"], route_class=HmaRoute)

Banks = Annotated[str | None, Query(description="Comma-separated banks to search (default: all).")]
# accepted so HMA clients' calls validate; our banks are on or off (enabled_ratio 0 or 1)
Seed = Annotated[str | None, Query(description="Accepted and unused: no coin flips here.")]


def _distance(match: Match) -> str:
    return f"{match.distance:g}"


def _by_bank(matches: list[Match], banks: set[str] | None) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in matches:
        if banks is None or m.bank in banks:
            out[m.bank].append({"bank_content_id": m.entry_id, "distance": _distance(m)})
    return dict(out)


def _lookup_signal(engine: Engine, signal_type: str, signal: str) -> list[Match]:
    kind, value = validate_signal(signal_type, signal)
    return engine.match_signals([QuerySignal(kind, value)]).matches


def _lookup_hashes(
    engine: Engine, hashes: ContentHashes, types: set[str] | None, banks: set[str] | None
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    result = engine.match_hashes(hashes)
    found = {k: v for k, v in hashes.primary().items() if types is None or k in types}
    return {
        kind: _by_bank([m for m in result.matches if m.signal_type == kind], banks)
        for kind in found
    }


@router.get("/raw_lookup", response_model=RawLookupResponse)
async def raw_lookup(
    engine: EngineDep,
    key: MatchKey,
    signal: str,
    signal_type: str,
    banks: Banks = None,
    include_distance: bool = False,
) -> dict[str, list[Any]]:
    """Entry ids matching a hash: `{"matches": [12, 40]}`, or with `include_distance`
    `{"matches": [{"bank_content_id": 12, "distance": "4"}]}`."""
    matches = await run_in_threadpool(_lookup_signal, engine, signal_type, signal)
    wanted = selected_banks(banks)
    kept = [m for m in matches if wanted is None or m.bank in wanted]
    if include_distance:
        return {
            "matches": [{"bank_content_id": m.entry_id, "distance": _distance(m)} for m in kept]
        }
    return {"matches": [m.entry_id for m in kept]}


@router.get("/lookup", response_model=LookupResponse)
async def lookup(
    request: Request,
    engine: EngineDep,
    key: MatchKey,
    signal: str | None = None,
    signal_type: str | None = None,
    url: str | None = None,
    content_type: str | None = None,
    types: str | None = None,
    banks: Banks = None,
    seed: Seed = None,
    bypass_coinflip: bool = False,
) -> dict[str, Any]:
    """Banks matching a hash (`signal_type` and `signal`), or content fetched from `url`."""
    wanted = selected_banks(banks)
    if url:
        hashes = await hashes_of_url(request, engine, url, dihedral=True)
        by_type = await run_in_threadpool(
            _lookup_hashes, engine, hashes, selected_types(types), wanted
        )
        if signal_type is not None:  # HMA elides the outer object when a type is named
            return by_type.get(get_signal_type(signal_type).name, {})
        return by_type
    if not signal or not signal_type:
        raise HTTPException(400, "Either url or both signal and signal_type are required")
    matches = await run_in_threadpool(_lookup_signal, engine, signal_type, signal)
    return _by_bank(matches, wanted)


@router.post("/lookup", response_model=LookupResponse)
@takes_upload
async def lookup_upload(
    request: Request,
    engine: EngineDep,
    key: MatchKey,
    banks: Banks = None,
    seed: Seed = None,
    bypass_coinflip: bool = False,
) -> dict[str, Any]:
    """Hash one uploaded file (field `photo` or `video`) and look up each of its hashes:
    signal type -> bank -> matches."""
    hashes, _ = await hashes_of_upload(request, engine, dihedral=True)
    return await run_in_threadpool(_lookup_hashes, engine, hashes, None, selected_banks(banks))


@router.get("/index/status", response_model=IndexStatusResponse)
async def index_status(
    engine: EngineDep, key: ReadKey, signal_type: str | None = None
) -> dict[str, dict[str, Any]]:
    """Per signal type: whether this process's index is loaded, the bank change it is built
    to (`built_to`: a change-log id, where HMA gives a time) and how many values it holds."""
    names = list(SIGNAL_TYPES)
    if signal_type is not None:
        if signal_type not in SIGNAL_TYPES:
            raise HTTPException(400, f"No such signal type '{signal_type}'")
        names = [signal_type]
    matcher = engine.matcher
    await run_in_threadpool(matcher.maybe_refresh)
    sizes = matcher.size()
    return {
        name: {
            "present": matcher.loaded and name in sizes,
            "built_to": matcher.position if matcher.loaded and name in sizes else -1,
            "size": sizes.get(name, 0),
        }
        for name in names
    }


@router.post("/compare", response_model=CompareResponse)
async def compare(body: dict[str, Any], key: MatchKey) -> dict[str, Any]:
    """Compare pairs of hashes: `{"pdq": [a, b]}` -> `{"pdq": [true, {"distance": 9}]}`
    (matched at the type's default threshold)."""
    results: dict[str, Any] = {}
    for name, pair in body.items():
        if not isinstance(pair, list):
            raise HTTPException(400, f"Comparison hashes for {name} was not a list")
        if len(pair) != 2 or not all(isinstance(h, str) for h in pair):
            raise HTTPException(400, "Comparison hash list length must be exactly 2")
        signal_type = get_signal_type(name)
        outcome = signal_type.compare(signal_type.validate(pair[0]), signal_type.validate(pair[1]))
        distance = outcome.distance
        results[name] = [
            outcome.matched,
            {"distance": int(distance) if float(distance).is_integer() else distance},
        ]
    return results
