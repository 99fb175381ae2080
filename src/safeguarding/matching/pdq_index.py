"""The exact PDQ index for large lists: multi-index hashing (Norouzi, Punjani, Fleet, "Fast
Exact Search in Hamming Space with Multi-Index Hashing").

The 256 bits are cut into m substrings of about log2(N) bits, one table each. If a hash is
within r of the query, then writing r = m*a + b, one of the first b+1 substrings is within a
of the query's, or one of the others within a-1 (pigeonhole), so probing those radii finds
every match: exact, never approximate. Candidates are verified on the full 256 bits.

Rows are kept sorted by id (removal is a binary search; removed rows are marked dead).
New hashes wait in a small linear buffer, queryable at once, until it is large enough to be
worth a rebuild. Small indexes are only that buffer.

File format (all integers little-endian; sections start on 64-byte boundaries):
  8 bytes   magic `SGPDQMI1`
  uint64    N rows;  uint32 m tables;  uint32 B bucket bits
  m x (uint32 start bit, uint32 length)
  N x 4 uint64   hashes; word 0 holds the first 16 hex digits (bits 0-63)
  N x int64      ids, ascending
  m x (2^B + 1) uint32   per table, where each top-B-bit bucket starts among its entries
  m x N uint32   per table, entries in bucket order: row << (length - B) | the substring's
                 bits below the top B
Loading memory-maps the file read-only, so processes share one copy of the pages.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import numba
import numpy as np
import numpy.typing as npt

from safeguarding.errors import SafeguardingError
from safeguarding.matching import _mih_kernels as kernels
from safeguarding.matching.index import IndexHit
from safeguarding.matching.pdq_linear import LinearPdqIndex, hex_to_words
from safeguarding.runtime import collector_paused

_MAGIC = b"SGPDQMI1"
_ALIGN = 64
MAX_BUCKET_BITS = 20
MIN_DELTA = 65_536
#: candidates a query may gather before it is answered by a scan instead (at least)
MIN_SCAN_BUDGET = 100_000
#: room for hits per query on the first pass (a query with more runs again with room for
#: all): up to 4,096 each, 2^24 slots in all. Untouched room costs address space, not
#: memory (pages are only backed once written), so room is cheaper than a second pass.
_ROOM_SLOTS = 1 << 24
_MIN_ROOM, _MAX_ROOM = 64, 4096


def layout(n: int) -> tuple[list[int], list[int], int]:
    """(start bits, lengths, bucket bits) for n rows: substrings of about log2(n) bits, and
    buckets on their top bits, few enough to stay in cache but enough that a row number and
    the bits below the bucket pack into 32 bits."""
    bits = min(28, max(16, round(math.log2(max(n, 2)))))
    m = max(1, round(256 / bits))
    base, extra = divmod(256, m)
    lengths = [base + 1] * extra + [base] * (m - extra)
    starts = [sum(lengths[:i]) for i in range(m)]
    row_bits = max(1, (max(n, 1) - 1).bit_length())
    if row_bits > 32:
        raise ValueError(f"{n} rows is more than one PDQ index holds (2^32)")
    bucket_bits = min(min(lengths), max(MAX_BUCKET_BITS, max(lengths) - (32 - row_bits)))
    if row_bits + max(lengths) - bucket_bits > 32:
        raise ValueError(f"cannot pack {n} rows into 32-bit table entries")
    return starts, lengths, bucket_bits


def _release_freed_memory() -> None:
    """Hand the build's freed scratch memory back to the system. glibc keeps large freed
    blocks once it has raised its mmap threshold: 220 MB after a 10M-hash build."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to release
        ctypes.CDLL("libc.so.6").malloc_trim(0)


#: a search's hits: (query number, row or entry id, distance), flat and in query order
Hits = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]


def radii(threshold: int, m: int) -> npt.NDArray[np.int64]:
    a, b = divmod(threshold, m)
    return np.array([a if t <= b else a - 1 for t in range(m)], dtype=np.int64)


@dataclass
class _Tables:
    hashes: npt.NDArray[np.uint64]  # (N, 4)
    ids: npt.NDArray[np.int64] | npt.NDArray[np.uint32]  # (N,), ascending
    starts: npt.NDArray[np.int64]
    lengths: npt.NDArray[np.int64]
    bucket_bits: int
    offsets: npt.NDArray[np.uint32]  # (m, 2^B + 1)
    entries: npt.NDArray[np.uint32]  # (m, N): row << low bits | low bits, bucket order
    dead: npt.NDArray[np.bool_]  # (N,), writable even when the rest is memory-mapped
    dead_count: int = 0

    @classmethod
    def build(cls, ids: npt.NDArray[np.int64], hashes: npt.NDArray[np.uint64]) -> _Tables:
        order = np.argsort(ids, kind="stable")
        hashes = np.ascontiguousarray(hashes[order])
        # Database ids fit 32 bits in practice; half the bytes where they do.
        small = len(ids) == 0 or (int(ids.min()) >= 0 and int(ids.max()) < 2**32)
        ids = np.ascontiguousarray(ids[order].astype(np.uint32 if small else np.int64))
        n = len(ids)
        starts, lengths, bucket_bits = layout(n)
        m = len(starts)
        offsets = np.zeros((m, (1 << bucket_bits) + 1), dtype=np.uint32)
        entries = np.empty((m, n), dtype=np.uint32)
        for t in range(m):
            kernels.build_table(hashes, starts[t], lengths[t], bucket_bits, offsets[t], entries[t])
        _release_freed_memory()
        return cls(
            hashes,
            ids,
            np.array(starts, dtype=np.int64),
            np.array(lengths, dtype=np.int64),
            bucket_bits,
            offsets,
            entries,
            np.zeros(n, dtype=np.bool_),
        )

    def __len__(self) -> int:
        return len(self.ids) - self.dead_count

    def rows_of(self, entry_ids: Sequence[int]) -> npt.NDArray[np.int64]:
        """The live row of each id, or -1: one vectorised search (a search per id would
        convert the whole id array each time)."""
        wanted = np.array(entry_ids, dtype=np.int64)
        rows = np.full(len(wanted), -1, dtype=np.int64)
        if self.ids.dtype == np.uint32:
            fits = (wanted >= 0) & (wanted < 2**32)
        else:
            fits = np.ones(len(wanted), dtype=np.bool_)
        probe = wanted[fits].astype(self.ids.dtype)
        found = np.searchsorted(self.ids, probe)
        inside = found < len(self.ids)
        hit = np.zeros(len(probe), dtype=np.bool_)
        hit[inside] = self.ids[found[inside]] == probe[inside]
        hit[hit] = ~self.dead[found[hit]]
        rows[np.flatnonzero(fits)[hit]] = found[hit]
        return rows

    def plan(self, threshold: int) -> tuple[npt.NDArray[np.int64], bool]:
        """Probe radii per table, and whether a plain scan is cheaper (or needed)."""
        r = radii(threshold, len(self.starts))
        if int(r.max()) > 3:
            return r, True
        probes = sum(
            math.comb(int(length), i)
            for length, radius in zip(self.lengths, r, strict=True)
            for i in range(int(radius) + 1)
        )
        per_bucket = len(self.ids) / (1 << self.bucket_bits)
        return r, probes * max(per_bucket, 1.0) * 4 > len(self.ids)

    def search(self, queries: npt.NDArray[np.uint64], threshold: int) -> Hits:
        """Every hit of every query as flat arrays: (query number, row, distance), by query,
        then distance, then row."""
        r, use_scan = self.plan(threshold)
        # past this many candidates a query is inside a huge cluster: a scan is cheaper
        budget = max(len(self.ids) // 8, MIN_SCAN_BUDGET)
        which = np.arange(len(queries), dtype=np.int64)
        room = max(_MIN_ROOM, min(_MAX_ROOM, _ROOM_SLOTS // max(1, len(queries))))
        rooms = np.full(len(queries), room, dtype=np.int64)
        parts: list[Hits] = []
        while len(which):  # twice at most: the queries with more hits than room go again
            bounds = np.zeros(len(which) + 1, dtype=np.int64)
            np.cumsum(rooms, out=bounds[1:])
            rows = np.empty(int(bounds[-1]), dtype=np.int64)
            dists = np.empty(int(bounds[-1]), dtype=np.int64)
            counts = np.zeros(len(which), dtype=np.int64)
            kernels.query_batch(
                self.hashes,
                self.dead,
                self.starts,
                self.lengths,
                r,
                self.bucket_bits,
                self.offsets,
                self.entries,
                queries,
                threshold,
                which,
                bounds,
                rows,
                dists,
                counts,
                use_scan,
                budget,
                kernels.block_size(len(which), numba.get_num_threads()),
            )
            fits = counts <= rooms
            kept = np.flatnonzero(fits & (counts > 0))
            sizes = counts[kept]
            # each kept query's hits: its room's first `size` slots
            first = np.repeat(bounds[kept] - np.cumsum(sizes) + sizes, sizes)
            slots = first + np.arange(int(sizes.sum()), dtype=np.int64)
            parts.append((np.repeat(which[kept], sizes), rows[slots], dists[slots]))
            which, rooms = which[~fits], counts[~fits]
        if len(parts) == 1:
            return parts[0]
        joined = tuple(np.concatenate(column) for column in zip(*parts, strict=True))
        order = np.argsort(joined[0], kind="stable")  # a second pass's queries in place
        return joined[0][order], joined[1][order], joined[2][order]

    def query(self, queries: npt.NDArray[np.uint64], threshold: int) -> list[list[IndexHit]]:
        which, rows, dists = self.search(queries, threshold)
        ends = np.searchsorted(which, np.arange(1, len(queries) + 1)).tolist()
        ids = self.ids[rows].tolist()
        distances = dists.tolist()
        with collector_paused():
            hits = list(map(IndexHit, ids, distances))
            begin = 0
            found: list[list[IndexHit]] = []
            for end in ends:
                found.append(hits[begin:end])
                begin = end
            return found


class PdqIndex:
    """Exact PDQ search for millions of hashes: build, add, remove, query, save, load."""

    def __init__(self, *, min_delta: int = MIN_DELTA) -> None:
        self._tables: _Tables | None = None
        self._delta = LinearPdqIndex()
        self._min_delta = min_delta

    @classmethod
    def build(cls, items: Iterable[tuple[int, str]], *, min_delta: int = MIN_DELTA) -> Self:
        ids: list[int] = []
        values: list[str] = []
        for entry_id, value in items:
            ids.append(entry_id)
            values.append(value)
        return cls.from_arrays(
            np.array(ids, dtype=np.int64), hex_to_words(values), min_delta=min_delta
        )

    @classmethod
    def from_arrays(
        cls,
        ids: npt.NDArray[np.int64],
        hashes: npt.NDArray[np.uint64],
        *,
        min_delta: int = MIN_DELTA,
    ) -> Self:
        """Build from ids and (n, 4) uint64 words (see `hex_to_words`); ids must be unique."""
        index = cls(min_delta=min_delta)
        if len(np.unique(ids)) != len(ids):
            raise ValueError("ids must be unique")
        if len(ids) >= min_delta:
            index._tables = _Tables.build(ids.astype(np.int64), hashes.astype(np.uint64))
        else:
            index._delta.add_words(ids, hashes)
        return index

    def _delta_limit(self) -> int:
        return max(self._min_delta, len(self._tables.ids) // 64 if self._tables else 0)

    def __contains__(self, entry_id: object) -> bool:
        if not isinstance(entry_id, int | np.integer):
            return False
        in_tables = self._tables is not None and self._tables.rows_of([int(entry_id)])[0] >= 0
        return in_tables or entry_id in self._delta

    def __len__(self) -> int:
        return len(self._delta) + (len(self._tables) if self._tables else 0)

    def add(self, items: Iterable[tuple[int, str]]) -> None:
        pairs = list(items)
        in_tables = (
            self._tables.rows_of([i for i, _ in pairs]) >= 0
            if self._tables
            else np.zeros(len(pairs), dtype=np.bool_)
        )
        fresh = [
            pair
            for pair, known in zip(pairs, in_tables.tolist(), strict=True)
            if not known and pair[0] not in self._delta
        ]
        if not fresh:
            return
        self._delta.add(fresh)
        if len(self._delta) >= self._delta_limit():
            self.compact()

    def remove(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        self._delta.remove(ids)
        tables = self._tables
        if tables is None:
            return
        rows = tables.rows_of(ids)
        rows = np.unique(rows[rows >= 0])
        tables.dead[rows] = True
        tables.dead_count += len(rows)
        if tables.dead_count > len(tables.ids) // 4:
            self.compact()

    def compact(self) -> None:
        """Fold the buffer of recent adds into the tables and drop removed rows."""
        delta_ids, delta_hashes = self._delta.arrays()
        if self._tables is not None:
            alive = ~self._tables.dead
            ids = np.concatenate([self._tables.ids[alive].astype(np.int64), delta_ids])
            hashes = np.concatenate([self._tables.hashes[alive], delta_hashes])
        else:
            ids, hashes = delta_ids.copy(), delta_hashes.copy()
        self._tables = _Tables.build(ids, hashes) if len(ids) else None
        self._delta = LinearPdqIndex()

    def query(self, value: str, threshold: int) -> list[IndexHit]:
        return self.query_many([value], threshold)[0]

    def query_many(self, values: Sequence[str], threshold: int) -> list[list[IndexHit]]:
        if not values:
            return []
        queries = np.ascontiguousarray(hex_to_words(values))
        results: list[list[IndexHit]] = [[] for _ in values]
        if self._tables is not None and len(self._tables):
            results = self._tables.query(queries, threshold)
        if len(self._delta):  # the tables' hits come sorted; the delta's are merged in
            for found, extra in zip(
                results, self._delta.query_many(values, threshold), strict=True
            ):
                if extra:
                    found.extend(extra)
                    found.sort(key=lambda hit: (hit.distance, hit.id))
        return results

    def search(self, words: npt.NDArray[np.uint64], threshold: int) -> Hits:
        """Every hit of (n, 4) query words as flat arrays (query number, entry id, distance),
        by query, then distance, then id: no object per query or per hit, for bulk scans
        (backfill). The buffer of recent adds is searched hash by hash (it is small)."""
        words = np.ascontiguousarray(words, dtype=np.uint64)
        parts: list[Hits] = []
        if self._tables is not None and len(self._tables):
            which, rows, dists = self._tables.search(words, threshold)
            parts.append((which, self._tables.ids[rows].astype(np.int64), dists))
        delta_ids, delta_hashes = self._delta.arrays()
        for entry_id, entry in zip(delta_ids.tolist(), delta_hashes, strict=True):
            distance = np.bitwise_count(words ^ entry).sum(axis=1, dtype=np.int64)
            near = np.flatnonzero(distance <= threshold)
            parts.append((near, np.full(len(near), entry_id, dtype=np.int64), distance[near]))
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.copy(), empty.copy()
        which, ids, dists = (np.concatenate(column) for column in zip(*parts, strict=True))
        order = np.lexsort((ids, dists, which))
        return which[order], ids[order], dists[order]

    def arrays(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]]:
        """Every live entry: ids and (n, 4) words (the tables', then the add buffer's)."""
        delta_ids, delta_hashes = self._delta.arrays()
        t = self._tables
        if t is None:
            return delta_ids.copy(), delta_hashes.copy()
        alive = ~t.dead
        ids = np.concatenate([t.ids[alive].astype(np.int64), delta_ids])
        return ids, np.concatenate([t.hashes[alive], delta_hashes]).astype(np.uint64)

    def memory_bytes(self) -> int:
        """Bytes held by the arrays (memory-mapped pages count once however many processes)."""
        t = self._tables
        main = (
            0
            if t is None
            else sum(a.nbytes for a in (t.hashes, t.ids, t.offsets, t.entries, t.dead))
        )
        delta_ids, delta_hashes = self._delta.arrays()
        return main + delta_ids.nbytes + delta_hashes.nbytes

    def save(self, path: Path) -> None:
        self.compact()
        t = self._tables
        n = 0 if t is None else len(t.ids)
        starts, lengths, bucket_bits = (
            layout(0) if t is None else (t.starts.tolist(), t.lengths.tolist(), t.bucket_bits)
        )
        header = bytearray(_MAGIC)
        header += np.array([n], dtype="<u8").tobytes()
        header += np.array([len(starts), bucket_bits], dtype="<u4").tobytes()
        header += np.array(
            [v for pair in zip(starts, lengths, strict=True) for v in pair], dtype="<u4"
        ).tobytes()
        with path.open("wb") as out:
            out.write(header)
            if t is None:
                return
            for array in (
                t.hashes.astype("<u8"),
                t.ids.astype("<i8"),
                t.offsets.astype("<u4"),
                t.entries.astype("<u4"),
            ):
                out.write(b"\0" * (-out.tell() % _ALIGN))
                out.write(np.ascontiguousarray(array).tobytes())

    @classmethod
    def load(cls, path: Path) -> Self:
        data = np.memmap(path, dtype=np.uint8, mode="r")
        if len(data) < 24 or bytes(data[:8]) != _MAGIC:
            raise SafeguardingError(f"{path}: not a PDQ index file")
        n = int(np.frombuffer(data[8:16], dtype="<u8")[0])
        m, bucket_bits = (int(x) for x in np.frombuffer(data[16:24], dtype="<u4"))
        if not 1 <= m <= 256 or not 1 <= bucket_bits <= MAX_BUCKET_BITS:
            raise SafeguardingError(f"{path}: corrupt PDQ index header")
        pairs = np.frombuffer(data[24 : 24 + 8 * m], dtype="<u4").reshape(m, 2).astype(np.int64)
        index = cls()
        if n == 0:
            return index
        position = 24 + 8 * m
        shapes = [
            ((n, 4), "<u8"),
            ((n,), "<i8"),
            ((m, (1 << bucket_bits) + 1), "<u4"),
            ((m, n), "<u4"),
        ]
        arrays = []
        for shape, dtype in shapes:
            position += -position % _ALIGN
            size = int(np.prod(shape)) * np.dtype(dtype).itemsize
            if position + size > len(data):
                raise SafeguardingError(f"{path}: truncated PDQ index file")
            arrays.append(np.ndarray(shape, dtype=dtype, buffer=data, offset=position))
            position += size
        index._tables = _Tables(
            arrays[0],
            arrays[1],
            pairs[:, 0].copy(),
            pairs[:, 1].copy(),
            bucket_bits,
            arrays[2],
            arrays[3],
            np.zeros(n, dtype=np.bool_),
        )
        return index
