"""Every index goes through one suite: identical results to a brute-force scan."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest

from safeguarding.errors import SafeguardingError
from safeguarding.hashing.pdq import hamming
from safeguarding.hashing.vpdq import VpdqFrame, format_frames
from safeguarding.matching import ExactIndex, IndexHit, LinearPdqIndex, VpdqIndex, pdq_index
from safeguarding.matching.pdq_index import PdqIndex


class SmallDeltaPdqIndex(PdqIndex):
    """The multi-index with a tiny add buffer, so test-sized data goes through the tables."""

    def __init__(self, *, min_delta: int = 64) -> None:
        super().__init__(min_delta=min_delta)

    @classmethod
    def build(cls, items: Iterable[tuple[int, str]], *, min_delta: int = 64) -> SmallDeltaPdqIndex:
        return super().build(items, min_delta=min_delta)


PDQ_INDEXES = [LinearPdqIndex, SmallDeltaPdqIndex]


def random_hash(rng: np.random.Generator) -> str:
    return bytes(rng.integers(0, 256, 32, dtype=np.uint8)).hex()


def flip_bits(value: str, count: int, rng: np.random.Generator) -> str:
    number = int(value, 16)
    for bit in rng.choice(256, size=count, replace=False):
        number ^= 1 << int(bit)
    return f"{number:064x}"


def planted(seed: int = 7, base: int = 2000) -> tuple[list[tuple[int, str]], list[str]]:
    """Random hashes, plus for each query a near-duplicate at every distance 0..32."""
    rng = np.random.default_rng(seed)
    items = [(i, random_hash(rng)) for i in range(base)]
    queries = [random_hash(rng) for _ in range(5)]
    next_id = base
    for query in queries:
        for distance in range(33):
            items.append((next_id, flip_bits(query, distance, rng)))
            next_id += 1
    return items, queries


def brute_force(items: list[tuple[int, str]], query: str, threshold: int) -> list[IndexHit]:
    return sorted(
        (IndexHit(i, hamming(query, v)) for i, v in items if hamming(query, v) <= threshold),
        key=lambda h: h.id,
    )


@pytest.mark.parametrize("index_type", PDQ_INDEXES)
@pytest.mark.parametrize("threshold", [0, 8, 31, 32])
def test_identical_to_brute_force(index_type: type[LinearPdqIndex], threshold: int) -> None:
    items, queries = planted()
    index = index_type.build(items)
    for query, hits in zip(queries, index.query_many(queries, threshold), strict=True):
        expected = brute_force(items, query, threshold)
        assert sorted(hits, key=lambda h: h.id) == expected
        assert len(expected) >= threshold + 1  # every planted distance up to the threshold


@pytest.mark.parametrize("index_type", PDQ_INDEXES)
def test_add_and_remove_without_rebuild(index_type: type[LinearPdqIndex]) -> None:
    items, queries = planted()
    index = index_type.build(items[:1000])
    index.add(items[1000:])
    index.add(items[:10])  # already present: ignored
    assert len(index) == len(items)
    removed = {i for i, _ in items[::3]}
    index.remove(removed)
    index.remove([10**9])  # unknown: ignored
    remaining = [(i, v) for i, v in items if i not in removed]
    assert len(index) == len(remaining)
    for query in queries:
        assert sorted(index.query(query, 31), key=lambda h: h.id) == brute_force(
            remaining, query, 31
        )
    assert all(i not in index for i in removed)


@pytest.mark.parametrize("index_type", PDQ_INDEXES)
def test_save_and_load(index_type: type[LinearPdqIndex], tmp_path: Path) -> None:
    items, queries = planted()
    index = index_type.build(items)
    path = tmp_path / "pdq.idx"
    index.save(path)
    loaded = index_type.load(path)
    assert len(loaded) == len(index)
    for query in queries:
        assert loaded.query(query, 31) == index.query(query, 31)
    loaded.add([(10**6, queries[0])])  # a loaded index stays writable
    assert IndexHit(10**6, 0) in loaded.query(queries[0], 0)


def test_load_rejects_other_and_truncated_files(tmp_path: Path) -> None:
    path = tmp_path / "bad.idx"
    path.write_bytes(b"not an index at all")
    with pytest.raises(SafeguardingError):
        LinearPdqIndex.load(path)
    LinearPdqIndex.build(planted()[0][:5]).save(path)
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(SafeguardingError, match="truncated"):
        LinearPdqIndex.load(path)


def test_empty_index() -> None:
    assert LinearPdqIndex().query("0" * 64, 31) == []


def test_exact_index(tmp_path: Path) -> None:
    index = ExactIndex.build([(1, "aa"), (2, "bb"), (3, "aa")], "md5")
    assert index.query("aa") == [IndexHit(1, 0), IndexHit(3, 0)]
    index.remove([1])
    assert index.query_many(["aa", "cc"]) == [[IndexHit(3, 0)], []]
    path = tmp_path / "md5.idx"
    index.save(path)
    loaded = ExactIndex.load(path)
    assert loaded.signal_type == "md5"
    assert len(loaded) == 2
    assert loaded.query("bb") == [IndexHit(2, 0)]


def _video(hashes: list[str], quality: int = 100) -> str:
    return format_frames(VpdqFrame(i, quality, h, float(i)) for i, h in enumerate(hashes))


def test_vpdq_index_percentages(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    frames = [random_hash(rng) for _ in range(10)]
    index = VpdqIndex.build([(1, _video(frames)), (2, _video([random_hash(rng)] * 3))])
    # the query is the first half of video 1, re-encoded (a few bits flipped per frame)
    query = _video([flip_bits(h, 5, rng) for h in frames[:5]])
    hits = index.query(query, 31)
    assert [(h.id, h.distance, h.detail()) for h in hits] == [
        (1, 0.0, {"query_match_percent": 100.0, "index_match_percent": 50.0})
    ]
    path = tmp_path / "vpdq.idx"
    index.save(path)
    assert VpdqIndex.load(path).query(query, 31) == hits
    index.remove([1])
    assert index.query(query, 31) == []


def test_vpdq_low_quality_frames_are_ignored() -> None:
    rng = np.random.default_rng(4)
    frames = [random_hash(rng) for _ in range(4)]
    index = VpdqIndex.build([(1, _video(frames, quality=10))])
    assert index.query(_video(frames), 31) == []


def skewed(seed: int = 11) -> tuple[list[tuple[int, str]], list[str]]:
    """Clusters of near-duplicates and many low-texture hashes sharing long substrings:
    the data that fills a few buckets with thousands of rows."""
    rng = np.random.default_rng(seed)
    items: list[tuple[int, str]] = []
    centres = [random_hash(rng) for _ in range(20)]
    flat = "0" * 48 + bytes(rng.integers(0, 256, 8, dtype=np.uint8)).hex()
    for i in range(12_000):
        base = flat if i % 3 == 0 else centres[i % len(centres)]
        items.append((i * 7 + 3, flip_bits(base, int(rng.integers(0, 12)), rng)))
    queries = [flip_bits(centres[0], 5, rng), flip_bits(flat, 2, rng), random_hash(rng)]
    return items, queries


@pytest.mark.parametrize("threshold", [0, 10, 31, 40, 64, 128])
def test_multi_index_on_skewed_data_and_wide_thresholds(threshold: int) -> None:
    items, queries = skewed()
    index = PdqIndex.build(items, min_delta=1000)
    for query, hits in zip(queries, index.query_many(queries, threshold), strict=True):
        assert sorted(hits, key=lambda h: h.id) == brute_force(items, query, threshold)
        # nearest first; each row once, though thousands turn up in several tables
        assert hits == sorted(hits, key=lambda h: (h.distance, h.id))


def test_queries_with_more_hits_than_room_run_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdq_index, "_MAX_ROOM", 100)
    items, queries = skewed()
    index = PdqIndex.build(items, min_delta=1000)
    found = index.query_many(queries, 31)
    assert [len(hits) > 100 for hits in found] == [True, True, False]
    for query, hits in zip(queries, found, strict=True):
        assert hits == sorted(brute_force(items, query, 31), key=lambda h: (h.distance, h.id))


def test_multi_index_buffer_tables_and_compaction() -> None:
    items, queries = planted()
    index = PdqIndex.build(items[:1500], min_delta=500)
    index.add(items[1500:1800])  # stays in the buffer (below the limit)
    assert all(i in index for i, _ in items[1500:1800])
    removed = [i for i, _ in items[:1800:5]]
    index.remove(removed)  # from the tables and from the buffer
    index.add(items[1800:])  # crosses the limit: folded into new tables
    index.add([(items[0][0], items[0][1])])  # a removed id can come back
    expected = [(i, v) for i, v in items if i not in set(removed[1:])]
    assert len(index) == len(expected)
    for query in queries:
        hits = index.query(query, 31)
        assert sorted(hits, key=lambda h: h.id) == brute_force(expected, query, 31)
        assert hits == sorted(hits, key=lambda h: (h.distance, h.id))  # buffer merged in


def test_memory_mapped_index_stays_usable(tmp_path: Path) -> None:
    items, queries = planted()
    PdqIndex.build(items, min_delta=100).save(tmp_path / "pdq.idx")
    loaded = PdqIndex.load(tmp_path / "pdq.idx")
    loaded.remove([items[0][0]])
    loaded.add([(10**7, queries[0])])
    expected = [*items[1:], (10**7, queries[0])]
    for query in queries:
        assert sorted(loaded.query(query, 31), key=lambda h: h.id) == brute_force(
            expected, query, 31
        )
    loaded.compact()
    assert len(loaded) == len(expected)


def test_multi_index_file_errors(tmp_path: Path) -> None:
    path = tmp_path / "pdq.idx"
    PdqIndex.build(planted()[0], min_delta=100).save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(SafeguardingError, match="truncated"):
        PdqIndex.load(path)
    path.write_bytes(b"SGPDQMI1" + b"\xff" * 40)
    with pytest.raises(SafeguardingError, match="corrupt"):
        PdqIndex.load(path)
    path.write_bytes(b"nothing")
    with pytest.raises(SafeguardingError, match="not a PDQ index"):
        PdqIndex.load(path)


def test_empty_multi_index_round_trip(tmp_path: Path) -> None:
    PdqIndex().save(tmp_path / "empty.idx")
    assert len(PdqIndex.load(tmp_path / "empty.idx")) == 0
    assert PdqIndex().query_many([], 31) == []


def test_big_ids_use_64_bits() -> None:
    items = [(2**40 + i, v) for i, v in planted()[0][:300]]
    index = PdqIndex.build(items, min_delta=100)
    assert index.query(items[5][1], 0)[0].id == 2**40 + 5
    index.remove([2**40 + 5])
    assert index.query(items[5][1], 0) == []


def test_a_query_inside_a_huge_cluster_falls_back_to_a_scan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pdq_index, "MIN_SCAN_BUDGET", 0)
    rng = np.random.default_rng(21)
    centre = random_hash(rng)
    items = [(i, flip_bits(centre, int(rng.integers(0, 6)), rng)) for i in range(3000)]
    items += [(3000 + i, random_hash(rng)) for i in range(3000)]
    index = PdqIndex.build(items, min_delta=100)
    hits = index.query(centre, 31)  # thousands of candidates: over the budget
    assert sorted(hits, key=lambda h: h.id) == brute_force(items, centre, 31)
    assert len(hits) == 3000


@pytest.mark.parametrize("room", [4096, 3])
def test_flat_search_equals_query_many(room: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """`search` (flat arrays, for bulk scans) gives query_many's hits, in its order, from the
    tables, from the add buffer, and for queries that needed a second pass (room 3)."""
    monkeypatch.setattr(pdq_index, "_MAX_ROOM", room)
    monkeypatch.setattr(pdq_index, "_MIN_ROOM", min(room, 64))
    items, queries = planted()
    index = PdqIndex.build(items[:-100], min_delta=500)
    index.add(items[-100:])  # in the buffer, with near copies of the last queries
    queries = [*queries, *(v for _, v in items[1000:1005]), random_hash(np.random.default_rng(1))]
    words = np.frombuffer(bytes.fromhex("".join(queries)), dtype=">u8").reshape(-1, 4)
    which, ids, distances = index.search(words.astype(np.uint64), 31)
    flat = [
        [IndexHit(int(i), int(d)) for q, i, d in zip(which, ids, distances, strict=True) if q == n]
        for n in range(len(queries))
    ]
    assert flat == index.query_many(queries, 31)
    assert sum(map(len, flat)) > 5 * 32 and list(which) == sorted(which)
    assert not flat[-1]  # a random hash: nothing near
    index.remove([items[0][0]])
    ids, hashes = index.arrays()  # every live entry, from the tables and the buffer
    assert sorted(
        zip(ids.tolist(), (bytes(h.astype(">u8")).hex() for h in hashes), strict=True)
    ) == sorted(items[1:])
