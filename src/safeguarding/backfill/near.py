"""PDQ search for a small set of entries against very many queries: a backfill's task.

The multi-index (matching/pdq_index.py) probes every value within each table's radius of
the query's substring: at threshold 31 over 16 tables of 16 bits, 272 bucket look-ups a
query, and those look-ups were most of a backfill task's time. Here the radius is spent on
the entries instead: each entry is filed under every key within the radius of its own
substring, once, when a worker first maps the index, so a query looks up one key per table
(16), each key holding the same candidates the 272 probes would have found. Exact, as the
multi-index is (the same pigeonhole on the same substrings; a hit is verified on all 256
bits and reported by the first table that finds it).

The tables cost (1 + 16 + ...) rows per entry and table: at radius 1, 17 x 16 x 4 bytes =
1.1 kB an entry, 11 MB for 10,000 new entries. Past `MAX_ROWS` (a large batch of new
entries, or a threshold that needs radius 3) `NearTable.build` returns None and the task
uses the multi-index's own search.
"""

from __future__ import annotations

import math
from typing import Self

import numpy as np
import numpy.typing as npt

from safeguarding.backfill import _near_kernels as kernels
from safeguarding.matching.pdq_index import Hits, radii

#: substrings of 16 bits: 16 tables, 65,536 keys each
_BITS = 16
_TABLES = 256 // _BITS
#: most filed rows (all tables): 128 MB of uint32
MAX_ROWS = 1 << 25


class NearTable:
    def __init__(
        self,
        ids: npt.NDArray[np.int64],
        hashes: npt.NDArray[np.uint64],
        threshold: int,
        offsets: npt.NDArray[np.uint32],
        rows: npt.NDArray[np.uint32],
    ) -> None:
        self.ids = ids
        self.hashes = hashes
        self.threshold = threshold
        self.offsets = offsets
        self.rows = rows
        self.starts = np.arange(0, 256, _BITS, dtype=np.int64)
        self.lengths = np.full(_TABLES, _BITS, dtype=np.int64)
        self.radii = radii(threshold, _TABLES)

    @classmethod
    def build(
        cls, ids: npt.NDArray[np.int64], hashes: npt.NDArray[np.uint64], threshold: int
    ) -> Self | None:
        """The tables for entries (ids, (n, 4) words) at `threshold`, or None when they
        would hold more than MAX_ROWS rows."""
        per_entry = sum(
            math.comb(_BITS, i) for r in radii(threshold, _TABLES).tolist() for i in range(r + 1)
        )
        if not 0 <= threshold < 256 or per_entry * len(ids) > MAX_ROWS:
            return None
        hashes = np.ascontiguousarray(hashes, dtype=np.uint64)
        table = cls(
            np.ascontiguousarray(ids, dtype=np.int64),
            hashes,
            threshold,
            np.zeros((_TABLES, (1 << _BITS) + 1), dtype=np.uint32),
            np.zeros(per_entry * len(ids), dtype=np.uint32),
        )
        kernels.build(hashes, table.starts, table.lengths, table.radii, table.offsets, table.rows)
        return table

    def search(self, words: npt.NDArray[np.uint64]) -> Hits:
        """Every hit of (n, 4) query words: (query number, entry id, distance), by query."""
        words = np.ascontiguousarray(words, dtype=np.uint64)
        room = max(1024, len(words) // 8)
        while True:
            which = np.empty(room, dtype=np.int64)
            rows = np.empty(room, dtype=np.int64)
            dists = np.empty(room, dtype=np.int64)
            count = kernels.search(
                self.hashes,
                self.starts,
                self.lengths,
                self.radii,
                self.offsets,
                self.rows,
                words,
                self.threshold,
                which,
                rows,
                dists,
            )
            if count <= room:
                return which[:count], self.ids[rows[:count]], dists[:count]
            room = int(count)
