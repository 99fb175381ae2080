"""What a worker runs: one partition of stored hashes against the new entries' indexes.

The indexes arrive once per worker, not per task: the driver scatters each file's bytes to
every worker (Dask keeps them in the worker's memory, and a task gets a reference), and the
first task on a worker writes them to the worker's local folder and memory-maps the file
(`PdqIndex.load`, `DigestTable.load`); later tasks on that worker reuse the mapping, keyed
by the file's SHA-256. On one machine every worker maps a file with the same bytes from its
own folder.

A task works a column at a time, with no Python per row: each hash column is checked and
decoded over its Arrow buffers (decode.py), PDQs are searched in batches in near-neighbour
tables built from the index once per worker (near.py; the index's own multi-index search
when the new entries are too many for them), digests looked up in their sorted table;
Python objects are made for the candidates alone. A PDQ candidate is any stored hash within
the search threshold of a new entry, a digest candidate an equal one; the driver judges
each by the entry's bank policy. A search that falls back to the multi-index runs on as
many threads as the Dask worker has (numba's pool would otherwise take every core of the
machine, whatever the worker was given).
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from safeguarding.backfill.decode import decode, pdq_words
from safeguarding.backfill.digests import DigestTable
from safeguarding.backfill.entries import scanned, width
from safeguarding.backfill.near import NearTable
from safeguarding.backfill.sources import ID, Partition
from safeguarding.hashing.pdq import PdqSignal
from safeguarding.matching.pdq_index import PdqIndex

_LOCK = threading.Lock()
_MAPPED: dict[str, PdqIndex | DigestTable] = {}
_NEAR: dict[tuple[str, int], NearTable | None] = {}
#: PDQ queries per call into the index: bounded memory for the hit lists
_CHUNK = 100_000


@dataclass(frozen=True)
class Shipped:
    """One new-entries index as a task knows it (its bytes travel beside, scattered)."""

    signal_type: str
    digest: str
    threshold: int  # PDQ: the search threshold; exact types: 0


@dataclass(frozen=True)
class Candidate:
    content_id: str
    signal_type: str
    value: str  # the stored hash, canonical hex
    entry_id: int
    distance: int


@dataclass(frozen=True)
class PartitionResult:
    name: str
    rows: int
    invalid: int  # stored hashes that are not hashes of their type (skipped, counted)
    candidates: list[Candidate]


Index = PdqIndex | DigestTable


def mapped_index(shipped: Shipped, data: bytes, folder: str | None = None) -> Index:
    """The index with this digest, written to `folder` (the worker's own) once and mapped."""
    with _LOCK:
        index = _MAPPED.get(shipped.digest)
        if index is None:
            path = Path(folder or tempfile.gettempdir()) / f"sg-backfill-{shipped.digest[:32]}.idx"
            if not path.is_file() or path.stat().st_size != len(data):
                partial = path.with_suffix(".part")
                partial.write_bytes(data)
                partial.replace(path)
            if shipped.signal_type == PdqSignal.name:
                index = PdqIndex.load(path)
            else:
                index = DigestTable.load(path)
            _MAPPED[shipped.digest] = index
        return index


def near_table(shipped: Shipped, index: PdqIndex) -> NearTable | None:
    """The index's entries as near-neighbour tables (near.py), built once per worker, or
    None when there are too many entries for them (then the index's own search)."""
    key = (shipped.digest, shipped.threshold)
    with _LOCK:
        if key not in _NEAR:
            _NEAR[key] = NearTable.build(*index.arrays(), shipped.threshold)
        return _NEAR[key]


def _hits(
    shipped: Shipped, index: Index, raw: npt.NDArray[np.uint8]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(row of `raw`, entry id, distance) of every hit."""
    if isinstance(index, DigestTable):
        rows, ids = index.lookup(raw)
        return rows, ids, np.zeros(len(rows), dtype=np.int64)
    near = near_table(shipped, index)
    parts = []
    for start in range(0, len(raw), _CHUNK):
        words = pdq_words(raw[start : start + _CHUNK])
        if near is not None:
            which, ids, dists = near.search(words)
        else:
            which, ids, dists = index.search(words, shipped.threshold)
        parts.append((which + start, ids, dists))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    rows, ids, dists = (np.concatenate(column) for column in zip(*parts, strict=True))
    return rows, ids, dists


def scan(partition: Partition, indexes: list[tuple[Shipped, Index]]) -> PartitionResult:
    table = partition.read()
    invalid = 0
    found: list[Candidate] = []
    for shipped, index in indexes:
        signal_type = scanned(shipped.signal_type)
        rows, raw, bad = decode(table.column(shipped.signal_type), width(signal_type), signal_type)
        invalid += bad
        hit_rows, entry_ids, distances = _hits(shipped, index, raw)
        if not len(hit_rows):
            continue
        content_ids = table.column(ID).take(rows[hit_rows]).to_pylist()
        values = [bytes(v).hex() for v in raw[hit_rows]]
        found.extend(
            Candidate(content_id, shipped.signal_type, value, entry_id, distance)
            for content_id, value, entry_id, distance in zip(
                content_ids, values, entry_ids.tolist(), distances.tolist(), strict=True
            )
        )
    return PartitionResult(partition.name, table.num_rows, invalid, found)


def scan_on_worker(partition: Partition, shipped: list[tuple[Shipped, bytes]]) -> PartitionResult:
    """The Dask task: map the indexes (once per worker) and scan the partition."""
    folder: str | None = None
    threads = 1
    try:
        from distributed import get_worker

        worker = get_worker()
        folder, threads = worker.local_directory, max(1, int(worker.state.nthreads))
    except (ImportError, ValueError):
        pass  # not on a Dask worker (a direct call): the temporary folder, one thread
    import numba

    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]
    indexes = [(s, mapped_index(s, data, folder)) for s, data in shipped]
    return scan(partition, indexes)
