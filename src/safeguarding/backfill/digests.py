"""New entries of an exact type (MD5, SHA-256) as a sorted table, looked up a column at a
time: the backfill's counterpart of the live `ExactIndex`, which is a dictionary queried one
value at a time.

File format (little-endian): 8-byte magic `SGDIGST1`, uint64 count N, uint64 width W (bytes
per digest), then N digests of W bytes in ascending byte order, then N int64 entry ids (the
entry of each digest; one digest two banks list is there twice). Loading memory-maps it:
the digests are one contiguous fixed-width bytes array, searched with numpy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

import numpy as np
import numpy.typing as npt

from safeguarding.errors import SafeguardingError

_MAGIC = b"SGDIGST1"
_HEADER = 24


class DigestTable:
    def __init__(self, digests: npt.NDArray[np.void], ids: npt.NDArray[np.int64]) -> None:
        self.digests = digests  # fixed-width void values ("V<width>"), ascending
        self.ids = ids

    @property
    def width(self) -> int:
        return self.digests.dtype.itemsize

    @classmethod
    def build(cls, ids: list[int], values: list[str], width: int) -> Self:
        """From entry ids and their canonical hex values (each `width` bytes)."""
        raw = np.frombuffer(bytes.fromhex("".join(values)), dtype=np.uint8).reshape(-1, width)
        keys = _keys(raw)
        order = np.argsort(keys, kind="stable")
        return cls(keys[order], np.array(ids, dtype=np.int64)[order])

    def lookup(self, raw: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.int64], ...]:
        """(query row, entry id) of every stored digest in `raw` ((n, width) bytes) that is
        in the table: one binary search per row, vectorised."""
        keys = _keys(raw)
        low = np.searchsorted(self.digests, keys, side="left")
        high = np.searchsorted(self.digests, keys, side="right")
        counts = high - low
        rows = np.repeat(np.arange(len(keys), dtype=np.int64), counts)
        first = np.repeat(low - np.cumsum(counts) + counts, counts)
        positions = first + np.arange(int(counts.sum()), dtype=np.int64)
        return rows, self.ids[positions].astype(np.int64)

    def save(self, path: Path) -> None:
        with path.open("wb") as out:
            out.write(_MAGIC)
            out.write(np.array([len(self.ids), self.width], dtype="<u8").tobytes())
            out.write(self.digests.tobytes())
            out.write(self.ids.astype("<i8").tobytes())

    @classmethod
    def load(cls, path: Path) -> Self:
        data = np.memmap(path, dtype=np.uint8, mode="r")
        if len(data) < _HEADER or bytes(data[:8]) != _MAGIC:
            raise SafeguardingError(f"{path}: not a digest table file")
        count, width = (int(x) for x in np.frombuffer(data[8:_HEADER], dtype="<u8"))
        if not 1 <= width <= 64 or len(data) != _HEADER + count * (width + 8):
            raise SafeguardingError(f"{path}: truncated or corrupt digest table file")
        digests = np.ndarray((count,), dtype=f"V{width}", buffer=data, offset=_HEADER)
        ids = np.ndarray((count,), dtype="<i8", buffer=data, offset=_HEADER + count * width)
        return cls(digests, ids)


def _keys(raw: npt.NDArray[np.uint8]) -> npt.NDArray[np.void]:
    """(n, width) bytes as n fixed-width values that numpy orders byte by byte."""
    raw = np.ascontiguousarray(raw, dtype=np.uint8)
    return raw.view(f"V{raw.shape[1]}").reshape(-1)
