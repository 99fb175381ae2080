"""What a worker runs: one partition of stored hashes against the new entries' index.

The index arrives once per worker, not per task: the driver scatters the file's bytes to
every worker (Dask keeps them in the worker's memory, and a task gets a reference), and
the first task on a worker writes them to the worker's local folder and memory-maps the
file (`PdqIndex.load`); later tasks on that worker reuse the mapping, keyed by the file's
SHA-256. On one machine every worker maps a file with the same bytes from its own folder.
A candidate is any stored hash within the search threshold of a new entry; the driver
judges it by the entry's bank policy.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from safeguarding.backfill.sources import Partition
from safeguarding.errors import SignalError
from safeguarding.hashing.pdq import PdqSignal
from safeguarding.matching.pdq_index import PdqIndex

_LOCK = threading.Lock()
_MAPPED: dict[str, PdqIndex] = {}
#: queries per call into the index: bounded memory for the hit lists
_CHUNK = 100_000


@dataclass(frozen=True)
class Candidate:
    content_id: str
    value: str  # the stored PDQ
    entry_id: int
    distance: int


@dataclass(frozen=True)
class PartitionResult:
    name: str
    rows: int
    invalid: int  # rows whose PDQ is not a PDQ (skipped, counted)
    candidates: list[Candidate]


def mapped_index(digest: str, data: bytes, folder: str | None = None) -> PdqIndex:
    """The index with this digest, written to `folder` (the worker's own) once and mapped."""
    with _LOCK:
        index = _MAPPED.get(digest)
        if index is None:
            path = Path(folder or tempfile.gettempdir()) / f"sg-backfill-{digest[:32]}.idx"
            if not path.is_file() or path.stat().st_size != len(data):
                partial = path.with_suffix(".part")
                partial.write_bytes(data)
                partial.replace(path)
            index = _MAPPED[digest] = PdqIndex.load(path)
        return index


def scan(partition: Partition, index: PdqIndex, threshold: int) -> PartitionResult:
    ids, values = partition.read()
    checked_ids: list[str] = []
    checked: list[str] = []
    invalid = 0
    for content_id, value in zip(ids, values, strict=True):
        try:
            checked.append(PdqSignal.validate(value))
        except SignalError:
            invalid += 1
            continue
        checked_ids.append(content_id)
    found: list[Candidate] = []
    for start in range(0, len(checked), _CHUNK):
        chunk = checked[start : start + _CHUNK]
        for offset, hits in enumerate(index.query_many(chunk, threshold)):
            for hit in hits:
                row = start + offset
                found.append(Candidate(checked_ids[row], checked[row], hit.id, int(hit.distance)))
    return PartitionResult(partition.name, len(ids), invalid, found)


def scan_on_worker(
    partition: Partition, digest: str, data: bytes, threshold: int
) -> PartitionResult:
    """The Dask task: map the index (once per worker) and scan the partition."""
    folder: str | None = None
    try:
        from distributed import get_worker

        folder = get_worker().local_directory
    except (ImportError, ValueError):
        pass  # not on a Dask worker (a direct call): the temporary folder
    return scan(partition, mapped_index(digest, data, folder), threshold)
