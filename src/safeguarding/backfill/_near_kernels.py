"""Compiled loops of the near-neighbour tables (near.py), numba, cached on disk.

Bits are numbered as in matching/_mih_kernels.py, whose `substring`, `distance`,
`popcount64` and `probe_values` (every key within a radius) these loops share. Table t
holds, under every key within radius t of an entry's substring t, that entry's row:
offsets[t, key] .. offsets[t, key + 1] in `rows`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from safeguarding.matching._mih_kernels import (
    distance,
    popcount64,
    prefetch,
    probe_values,
    substring,
)


@njit(cache=True)
def build(
    hashes: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    radii: np.ndarray,
    offsets: np.ndarray,
    rows: np.ndarray,
) -> None:
    """Fill offsets (m, 2^length + 1) and rows (all tables' rows, back to back): a counting
    sort of (key, row) pairs, table by table."""
    values = np.empty(4096, dtype=np.uint64)
    m = starts.shape[0]
    base = np.int64(0)
    for t in range(m):
        if radii[t] < 0:
            offsets[t, :] = base
            continue
        counts = np.zeros(offsets.shape[1], dtype=np.int64)
        for row in range(hashes.shape[0]):
            key = substring(hashes[row], starts[t], lengths[t])
            n = probe_values(key, lengths[t], radii[t], values)
            for k in range(n):
                counts[np.int64(values[k]) + 1] += 1
        counts[0] = base
        for i in range(1, counts.shape[0]):
            counts[i] += counts[i - 1]
        for i in range(counts.shape[0]):
            offsets[t, i] = counts[i]
        cursor = counts[:-1].copy()
        for row in range(hashes.shape[0]):
            key = substring(hashes[row], starts[t], lengths[t])
            n = probe_values(key, lengths[t], radii[t], values)
            for k in range(n):
                position = cursor[np.int64(values[k])]
                rows[position] = row
                cursor[np.int64(values[k])] = position + 1
        base = counts[-1]


@njit(cache=True)
def search(
    hashes: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    radii: np.ndarray,
    offsets: np.ndarray,
    rows: np.ndarray,
    queries: np.ndarray,
    threshold: int,
    out_query: np.ndarray,
    out_row: np.ndarray,
    out_distance: np.ndarray,
) -> int:
    """Every (query, row) within `threshold`, each once, into out_*; returns how many
    there are (more than out_* holds: the caller asks again with room for all). One key
    looked up per table and query; the next query's keys are prefetched meanwhile."""
    m = starts.shape[0]
    subs = np.empty(m, dtype=np.uint64)
    ahead = np.empty(m, dtype=np.uint64)
    count = np.int64(0)
    width = offsets.shape[1]
    if queries.shape[0]:
        for t in range(m):
            ahead[t] = substring(queries[0], starts[t], lengths[t])
    for k in range(queries.shape[0]):
        q = queries[k]
        for t in range(m):
            subs[t] = ahead[t]
        if k + 1 < queries.shape[0]:
            for t in range(m):
                ahead[t] = substring(queries[k + 1], starts[t], lengths[t])
                prefetch(offsets, t * width + np.int64(ahead[t]))
        for t in range(m):
            if radii[t] < 0:
                continue
            key = np.int64(subs[t])
            for j in range(offsets[t, key], offsets[t, key + 1]):
                row = np.int64(rows[j])
                d = distance(hashes, row, q)
                if d > threshold:
                    continue
                earlier = False  # another table's key found it first: reported there
                for u in range(t):
                    if radii[u] >= 0 and (
                        popcount64(substring(hashes[row], starts[u], lengths[u]) ^ subs[u])
                        <= radii[u]
                    ):
                        earlier = True
                        break
                if earlier:
                    continue
                if count < out_query.shape[0]:
                    out_query[count] = k
                    out_row[count] = row
                    out_distance[count] = d
                count += 1
    return count
