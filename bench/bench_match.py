"""Match path benchmark: the matcher in process and `POST /v1/match/signals` over HTTP.

    python bench/bench_match.py --entries 200000

A fresh SQLite database gets two banks (the big one holds `--entries` random PDQ hashes and
as many MD5s; a second, stricter bank a thousand PDQs), then the matcher loads. Each query is
an upload as the API sees one: a PDQ with its 8 rotations and flips, an MD5 and a SHA-256.
Half the queries have a planted near-duplicate of one bank PDQ (distance 0-31, so the bank
rows are joined and each bank's policy decides), half are random (no hit).

Figures: per query, the matcher alone (`Matcher.match`), the engine's call
(`Engine.match_signals`: the matcher and the upload's match counters, written in a
transaction of its own, the worst case, as a request writes its counters once), timed in
pairs, and a whole request with one item (FastAPI's TestClient: validation, routing, JSON,
the counters), p50 and p99 over `--single` queries,
for the planted queries (hits: the bank rows are read) and the random ones (misses) apart;
and batches of 100 items per request, in items per second (median of three).
No item carries an id, so no case is opened: this measures matching, not the review path.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import describe
from safeguarding.banks.model import NewEntry
from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.matching import QuerySignal
from safeguarding.server import create_app
from safeguarding.store.db import Database

VARIANTS = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_x",
    "flip_y",
    "flip_plus1",
    "flip_minus1",
)


def _hex(rng: np.random.Generator, nbytes: int) -> str:
    return bytes(rng.integers(0, 256, nbytes, dtype=np.uint8)).hex()


def _near(value: str, bits: int, rng: np.random.Generator) -> str:
    number = int(value, 16)
    for bit in rng.choice(256, size=bits, replace=False):
        number ^= 1 << int(bit)
    return f"{number:064x}"


def fill(engine: Engine, entries: int, rng: np.random.Generator) -> list[str]:
    """Two banks; returns the big bank's PDQ values (the planted queries come from them)."""
    engine.banks.create_bank("big", "bench")
    engine.banks.create_bank("strict", "bench")
    pdqs = [_hex(rng, 32) for _ in range(entries)]
    chunk = 50_000
    for start in range(0, entries, chunk):
        engine.banks.add_entries(
            "big",
            (
                e
                for value in pdqs[start : start + chunk]
                for e in (NewEntry("pdq", value, 100), NewEntry("md5", _hex(rng, 16)))
            ),
            "bench",
        )
    engine.banks.add_entries("strict", [NewEntry("pdq", v, 100) for v in pdqs[:1000]], "bench")
    return pdqs


def queries(pdqs: list[str], count: int, rng: np.random.Generator) -> list[list[dict[str, object]]]:
    """Signals of `count` uploads, as JSON items; every other one near a bank hash."""
    out: list[list[dict[str, object]]] = []
    for k in range(count):
        base = (
            _near(pdqs[int(rng.integers(len(pdqs)))], int(rng.integers(32)), rng)
            if k % 2 == 0
            else _hex(rng, 32)
        )
        rotations = [base] + [_hex(rng, 32) for _ in VARIANTS[1:]]
        out.append(
            [
                {
                    "type": "pdq",
                    "value": base,
                    "quality": 90,
                    "variants": list(zip(VARIANTS, rotations, strict=True)),
                },
                {"type": "md5", "value": _hex(rng, 16)},
                {"type": "sha256", "value": _hex(rng, 32)},
            ]
        )
    return out


def as_query(item: list[dict[str, object]]) -> list[QuerySignal]:
    return [
        QuerySignal(
            str(s["type"]),
            str(s["value"]),
            s.get("quality"),  # type: ignore[arg-type]
            tuple(tuple(v) for v in s.get("variants", ())),  # type: ignore[attr-defined]
        )
        for s in item
    ]


def as_json(item: list[dict[str, object]]) -> list[dict[str, object]]:
    """The API takes one value per signal: the rotations go as further PDQ signals."""
    signals: list[dict[str, object]] = []
    for s in item:
        if s["type"] == "pdq":
            signals.extend(
                {"type": "pdq", "value": v, "quality": s["quality"]}
                for _, v in s["variants"]  # type: ignore[attr-defined]
            )
        else:
            signals.append({"type": s["type"], "value": s["value"]})
    return signals


def percentiles(samples: list[float]) -> str:
    """p50 and p99 of the hits (even positions: planted) and of the misses, apart."""
    out = []
    for name, part in (("hits", samples[0::2]), ("misses", samples[1::2])):
        ordered = sorted(part)
        p50 = ordered[len(ordered) // 2]
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        out.append(f"{name} p50 {p50 * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms")
    return "; ".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--single", type=int, default=1000, help="queries timed one by one")
    parser.add_argument("--batches", type=int, default=10, help="batches of 100 items")
    args = parser.parse_args()
    print(describe(["safeguarding", "numpy", "fastapi", "sqlalchemy"]))
    rng = np.random.default_rng(42)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        database = Database(url)
        database.upgrade()  # as `safeguarding db upgrade` does: the engine never migrates
        database.dispose()
        engine = Engine(Settings(database_url=url))
        started = time.perf_counter()
        pdqs = fill(engine, args.entries, rng)
        filled = time.perf_counter() - started
        started = time.perf_counter()
        engine.matcher.load()
        loaded = time.perf_counter() - started
        print(
            f"{args.entries:,} PDQ + {args.entries:,} MD5 entries in 'big', 1,000 PDQ in "
            f"'strict'; filled in {filled:.1f} s, index loaded in {loaded:.1f} s"
        )
        items = queries(pdqs, args.single, rng)
        matched = sum(engine.match_signals(as_query(item)).matched for item in items)
        # paired, in alternating order: the matcher alone, and the engine's call, which
        # also writes the upload's match counters in a transaction of its own
        timings: list[float] = []
        counted: list[float] = []
        for k, item in enumerate(items):
            query = as_query(item)
            for step in (0, 1) if k % 2 else (1, 0):
                started = time.perf_counter()
                engine.match_signals(query) if step else engine.matcher.match(query)
                (counted if step else timings).append(time.perf_counter() - started)
        print(f"{matched} of {len(items)} queries matched")
        print(f"matcher, one upload (8 PDQ variants, MD5, SHA-256): {percentiles(timings)}")
        print(f"the same with its counter upsert (Engine.match_signals): {percentiles(counted)}")
        extra = sorted(c - t for c, t in zip(counted, timings, strict=True))
        print(
            f"counter upsert, paired difference: p50 {extra[len(extra) // 2] * 1000:.2f} ms, "
            f"p90 {extra[int(len(extra) * 0.9)] * 1000:.2f} ms"
        )
        with TestClient(create_app(engine=engine)) as client:
            token = engine.keys.create("bench", ["match"], "bench").token
            headers = {"Authorization": f"Bearer {token}"}
            timings = []
            for item in items:
                body = {"items": [{"signals": as_json(item)}]}
                started = time.perf_counter()
                response = client.post("/v1/match/signals", json=body, headers=headers)
                timings.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
            print(f"POST /v1/match/signals, one item: {percentiles(timings)}")
            rates = []
            for _ in range(3):
                started = time.perf_counter()
                for b in range(args.batches):
                    chunk = items[(b * 100) % len(items) :][:100]
                    body = {"items": [{"signals": as_json(item)} for item in chunk]}
                    response = client.post("/v1/match/signals", json=body, headers=headers)
                    assert response.status_code == 200, response.text
                rates.append(args.batches * 100 / (time.perf_counter() - started))
            print(
                f"POST /v1/match/signals, 100 items a request: "
                f"{statistics.median(rates):,.0f} items/s (median of 3)"
            )
        engine.close()


if __name__ == "__main__":
    main()
