"""A brute-force PDQ index: every query scans every hash with XOR and popcount (numpy).

Exact by construction and the reference other PDQ indexes are tested against; fast enough
for lists up to a few hundred thousand hashes.

File format (little-endian): 8-byte magic `SGPDQLN1`, uint64 count N, then N hashes of
32 bytes each (the bytes of the hex string, most significant first), then N int64 ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Self

import numpy as np
import numpy.typing as npt

from safeguarding.errors import SafeguardingError
from safeguarding.matching.index import IndexHit

_MAGIC = b"SGPDQLN1"
Words = npt.NDArray[np.uint64]


def hex_to_words(values: Sequence[str]) -> Words:
    """PDQ hex strings -> (n, 4) uint64, first word the most significant."""
    if not values:
        return np.zeros((0, 4), dtype=np.uint64)
    raw = np.frombuffer(bytes.fromhex("".join(values)), dtype=">u8")
    return raw.reshape(-1, 4).astype(np.uint64)


class LinearPdqIndex:
    def __init__(self) -> None:
        self._hashes: Words = np.zeros((0, 4), dtype=np.uint64)
        self._ids: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self._size = 0
        self._row_of: dict[int, int] = {}

    @classmethod
    def build(cls, items: Iterable[tuple[int, str]]) -> Self:
        index = cls()
        index.add(items)
        return index

    def _grow(self, needed: int) -> None:
        capacity = len(self._ids)
        if needed <= capacity:
            return
        new_capacity = max(needed, capacity * 2, 1024)
        hashes = np.zeros((new_capacity, 4), dtype=np.uint64)
        ids = np.zeros(new_capacity, dtype=np.int64)
        hashes[: self._size] = self._hashes[: self._size]
        ids[: self._size] = self._ids[: self._size]
        self._hashes, self._ids = hashes, ids

    def add(self, items: Iterable[tuple[int, str]]) -> None:
        batch_ids: list[int] = []
        batch_values: list[str] = []
        for entry_id, value in items:
            if entry_id in self._row_of:
                continue
            self._row_of[entry_id] = -1  # reserve against duplicates within the batch
            batch_ids.append(entry_id)
            batch_values.append(value)
        if not batch_ids:
            return
        words = hex_to_words(batch_values)
        start = self._size
        self._grow(start + len(batch_ids))
        self._hashes[start : start + len(batch_ids)] = words
        self._ids[start : start + len(batch_ids)] = batch_ids
        for offset, entry_id in enumerate(batch_ids):
            self._row_of[entry_id] = start + offset
        self._size += len(batch_ids)

    def add_words(self, ids: npt.NDArray[np.int64], words: Words) -> None:
        """Add ids with hashes already as (n, 4) words; the ids must be new."""
        start = self._size
        self._grow(start + len(ids))
        self._hashes[start : start + len(ids)] = words
        self._ids[start : start + len(ids)] = ids
        for offset, entry_id in enumerate(ids.tolist()):
            self._row_of[entry_id] = start + offset
        self._size += len(ids)

    def arrays(self) -> tuple[npt.NDArray[np.int64], Words]:
        """Views of the live ids and (n, 4) hash words."""
        return self._ids[: self._size], self._hashes[: self._size]

    def remove(self, ids: Iterable[int]) -> None:
        for entry_id in ids:
            row = self._row_of.pop(entry_id, None)
            if row is None:
                continue
            last = self._size - 1
            if row != last:  # move the last row into the hole
                self._hashes[row] = self._hashes[last]
                moved = int(self._ids[last])
                self._ids[row] = moved
                self._row_of[moved] = row
            self._size -= 1

    def query(self, value: str, threshold: int) -> list[IndexHit]:
        return self.query_many([value], threshold)[0]

    def query_many(self, values: Sequence[str], threshold: int) -> list[list[IndexHit]]:
        queries = hex_to_words(values)
        hashes, ids = self._hashes[: self._size], self._ids[: self._size]
        results = []
        for query in queries:
            distances = np.bitwise_count(hashes ^ query).sum(axis=1, dtype=np.int64)
            rows = np.flatnonzero(distances <= threshold)
            results.append([IndexHit(int(ids[r]), int(distances[r])) for r in rows])
        return results

    def save(self, path: Path) -> None:
        with path.open("wb") as out:
            out.write(_MAGIC)
            out.write(np.uint64(self._size).tobytes())
            out.write(self._hashes[: self._size].astype(">u8").tobytes())
            out.write(self._ids[: self._size].astype("<i8").tobytes())

    @classmethod
    def load(cls, path: Path) -> Self:
        data = np.memmap(path, dtype=np.uint8, mode="r")
        if bytes(data[:8]) != _MAGIC:
            raise SafeguardingError(f"{path}: not a linear PDQ index file")
        count = int(np.frombuffer(bytes(data[8:16]), dtype="<u8")[0])
        if len(data) != 16 + count * 40:
            raise SafeguardingError(f"{path}: truncated index file")
        index = cls()
        index._grow(count)
        index._hashes[:count] = np.frombuffer(data[16 : 16 + count * 32], dtype=">u8").reshape(
            count, 4
        )
        index._ids[:count] = np.frombuffer(data[16 + count * 32 :], dtype="<i8")
        index._size = count
        index._row_of = {int(i): r for r, i in enumerate(index._ids[:count].tolist())}
        return index

    def __len__(self) -> int:
        return self._size

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._row_of
