"""The backfill's near-neighbour tables find exactly what a brute-force scan finds (and
what the multi-index finds), each hit once, at thresholds with radius 0, 1 and 2 per
table and with tables left out (radius -1); too many entries give no tables, and a task
then uses the multi-index's own search."""

from __future__ import annotations

import numpy as np
import pytest

from safeguarding.backfill import near
from safeguarding.backfill.near import NearTable
from safeguarding.matching.pdq_index import PdqIndex


def _flip(word_row: np.ndarray, bits: int, rng: np.random.Generator) -> np.ndarray:
    row = word_row.copy()
    for bit in rng.choice(256, size=bits, replace=False):
        row[bit // 64] ^= np.uint64(1) << np.uint64(63 - int(bit) % 64)
    return row


def _data(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    entries = rng.integers(0, 2**64, size=(600, 4), dtype=np.uint64)
    entries[300:310] = entries[0]  # one hash listed eleven times: every one is a hit
    ids = np.arange(1000, 1600, dtype=np.int64)
    queries = [rng.integers(0, 2**64, size=4, dtype=np.uint64) for _ in range(300)]
    for n in range(200):  # near copies at every distance to 49
        queries.append(_flip(entries[rng.integers(600)], n % 50, rng))
    return ids, entries, np.array(queries, dtype=np.uint64)


def _brute(
    ids: np.ndarray, entries: np.ndarray, queries: np.ndarray, threshold: int
) -> set[tuple[int, int, int]]:
    found = set()
    for k, q in enumerate(queries):
        distance = np.bitwise_count(entries ^ q).sum(axis=1)
        for row in np.flatnonzero(distance <= threshold).tolist():
            found.add((k, int(ids[row]), int(distance[row])))
    return found


@pytest.mark.parametrize("threshold", [0, 8, 15, 16, 31, 40])
def test_near_tables_are_exact(threshold: int) -> None:
    ids, entries, queries = _data(threshold)
    table = NearTable.build(ids, entries, threshold)
    assert table is not None
    which, found, distances = table.search(queries)
    hits = list(zip(which.tolist(), found.tolist(), distances.tolist(), strict=True))
    assert len(hits) == len(set(hits))  # each once, though most turn up in several tables
    assert set(hits) == _brute(ids, entries, queries, threshold)
    assert which.tolist() == sorted(which.tolist())
    which, found, distances = PdqIndex.from_arrays(ids, entries, min_delta=1).search(
        queries, threshold
    )
    assert set(hits) == set(zip(which.tolist(), found.tolist(), distances.tolist(), strict=True))
    if threshold >= 16:
        assert len(hits) > 20


def test_more_hits_than_room_and_no_queries() -> None:
    ids, entries, _ = _data(1)
    table = NearTable.build(ids, entries, 31)
    assert table is not None
    same = np.repeat(entries[:1], 3000, axis=0)  # 3,000 queries, 11 hits each (rows 0, 300-309)
    assert len(table.search(same)[0]) == 33_000
    assert len(table.search(np.zeros((0, 4), dtype=np.uint64))[0]) == 0


def test_too_many_entries_give_no_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    ids, entries, _ = _data(2)
    monkeypatch.setattr(near, "MAX_ROWS", 17 * 16 * 599)
    assert NearTable.build(ids, entries, 31) is None
    assert NearTable.build(ids[:599], entries[:599], 31) is not None
    assert NearTable.build(ids, entries, 256) is None
