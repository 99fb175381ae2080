"""Compiled inner loops of the multi-index PDQ index (numba, cached on disk after first use).

Bits of a hash are numbered 0..255 from the most significant bit of word 0, which holds the
first 16 hex digits. A table's substring is the `length` bits starting at bit `start`.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)


#: how many probes ahead the bucket offsets, and then the entries, are prefetched
_AHEAD_OFFSETS = 16
_AHEAD_ENTRIES = 8
_AHEAD_HASHES = 8
#: most probe values of one table: radius 3 over 29 bits is 1 + 29 + 406 + 3654 values
_MAX_PROBES = 4096
#: most queries a parallel task of query_batch takes in turn, sharing one set of scratch
#: buffers
_BLOCK = 64


def block_size(queries: int, threads: int) -> int:
    """Blocks small enough that every thread gets several (a short batch stays parallel)."""
    return max(1, min(_BLOCK, queries // (4 * max(1, threads))))


@intrinsic
def prefetch(typingctx, array, flat_index):  # type: ignore[no-untyped-def]
    """Ask the CPU to start loading array.flat[flat_index] (llvm.prefetch) while it works on
    something else. Misses on huge tables are what a query waits on."""
    signature = types.void(array, flat_index)

    def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
        data = context.make_array(sig.args[0])(context, builder, args[0]).data
        byte_pointer = ir.IntType(8).as_pointer()
        pointer = builder.bitcast(builder.gep(data, [args[1]]), byte_pointer)
        i32 = ir.IntType(32)
        function = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32]),
            "llvm.prefetch.p0",
        )
        # read (0), keep in all cache levels (3), data cache (1)
        builder.call(
            function, [pointer, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)]
        )
        return context.get_dummy_value()

    return signature, codegen


@njit(inline="always", cache=True)
def popcount64(x: int) -> int:
    x = x - ((x >> np.uint64(1)) & _M1)
    x = (x & _M2) + ((x >> np.uint64(2)) & _M2)
    x = (x + (x >> np.uint64(4))) & _M4
    return np.int64((x * _H01) >> np.uint64(56))


@njit(inline="always", cache=True)
def distance(hashes: np.ndarray, row: int, q: np.ndarray) -> int:
    return (
        popcount64(hashes[row, 0] ^ q[0])
        + popcount64(hashes[row, 1] ^ q[1])
        + popcount64(hashes[row, 2] ^ q[2])
        + popcount64(hashes[row, 3] ^ q[3])
    )


@njit(inline="always", cache=True)
def substring(h: np.ndarray, start: int, length: int) -> np.uint64:
    word = start // 64
    offset = start % 64
    mask = (np.uint64(1) << np.uint64(length)) - np.uint64(1)
    if offset + length <= 64:
        return (h[word] >> np.uint64(64 - offset - length)) & mask
    high_bits = 64 - offset  # taken from the end of this word
    low_bits = length - high_bits  # taken from the start of the next
    high = h[word] & ((np.uint64(1) << np.uint64(high_bits)) - np.uint64(1))
    return ((high << np.uint64(low_bits)) | (h[word + 1] >> np.uint64(64 - low_bits))) & mask


@njit(cache=True)
def build_table(
    hashes: np.ndarray,
    start: int,
    length: int,
    bucket_bits: int,
    offsets: np.ndarray,
    entries: np.ndarray,
) -> None:
    """Counting sort of rows by the top `bucket_bits` of their substring. Each entry packs
    the row with the substring's remaining low bits: `row << low_bits | low`."""
    n = hashes.shape[0]
    shift = np.uint64(length - bucket_bits)
    low_mask = (np.uint64(1) << shift) - np.uint64(1)
    buckets = np.empty(n, dtype=np.uint32)
    offsets[:] = 0
    for row in range(n):
        key = substring(hashes[row], start, length)
        bucket = np.uint32(key >> shift)
        buckets[row] = bucket
        offsets[bucket + 1] += 1
    for i in range(1, offsets.shape[0]):
        offsets[i] += offsets[i - 1]
    cursor = offsets[:-1].copy()
    for row in range(n):
        bucket = buckets[row]
        position = cursor[bucket]
        cursor[bucket] += 1
        low = substring(hashes[row], start, length) & low_mask
        entries[position] = np.uint32((np.uint64(row) << shift) | low)


@njit(inline="always", cache=True)
def _keep(
    hashes: np.ndarray,
    dead: np.ndarray,
    q: np.ndarray,
    threshold: int,
    row: int,
    out_rows: np.ndarray,
    out_dists: np.ndarray,
    count: int,
) -> int:
    """Verify one row on all 256 bits; if it is a live match, record it. Returns the count
    of matches (which goes on past the room in out_*, so callers know to ask again)."""
    d = distance(hashes, row, q)
    if d <= threshold and not dead[row]:
        if count < out_rows.shape[0]:
            out_rows[count] = row
            out_dists[count] = d
        count += 1
    return count


@njit(inline="always", cache=True)
def _found_earlier(
    h: np.ndarray,
    q_subs: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    radii: np.ndarray,
    table: int,
) -> bool:
    """Whether a table before `table` also finds this hash (its substring there is within
    that table's radius): then that table reported it, and this one must not again."""
    for u in range(table):
        if (
            radii[u] >= 0
            and popcount64(substring(h, starts[u], lengths[u]) ^ q_subs[u]) <= radii[u]
        ):
            return True
    return False


@njit(inline="always", cache=True)
def _verify(
    hashes: np.ndarray,
    dead: np.ndarray,
    q: np.ndarray,
    threshold: int,
    candidates: np.ndarray,
    tables: np.ndarray,
    n: int,
    q_subs: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    radii: np.ndarray,
    out_rows: np.ndarray,
    out_dists: np.ndarray,
    count: int,
) -> int:
    """Keep each live candidate within the threshold, once: a row is a candidate in every
    table whose substring it shares within the radius, and only the first reports it."""
    for c in range(n):
        if c + _AHEAD_HASHES < n:
            prefetch(hashes, np.int64(candidates[c + _AHEAD_HASHES]) * 4)
        row = np.int64(candidates[c])
        d = distance(hashes, row, q)
        if (
            d <= threshold
            and not dead[row]
            and not _found_earlier(hashes[row], q_subs, starts, lengths, radii, np.int64(tables[c]))
        ):
            if count < out_rows.shape[0]:
                out_rows[count] = row
                out_dists[count] = d
            count += 1
    return count


@njit(inline="always", cache=True)
def probe_values(v: int, length: int, radius: int, values: np.ndarray) -> int:
    """Every value within `radius` bits of v (radius at most 3), into `values`."""
    n = np.int64(0)
    values[n] = v
    n += 1
    if radius >= 1:
        for i in range(length):
            vi = v ^ (np.uint64(1) << np.uint64(i))
            values[n] = vi
            n += 1
            if radius >= 2:
                for j in range(i + 1, length):
                    vj = vi ^ (np.uint64(1) << np.uint64(j))
                    values[n] = vj
                    n += 1
                    if radius >= 3:
                        for k in range(j + 1, length):
                            values[n] = vj ^ (np.uint64(1) << np.uint64(k))
                            n += 1
    return n


@njit(cache=True)
def query_one(
    hashes: np.ndarray,
    dead: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    radii: np.ndarray,
    bucket_bits: int,
    offsets: np.ndarray,
    entries: np.ndarray,
    q: np.ndarray,
    threshold: int,
    out_rows: np.ndarray,
    out_dists: np.ndarray,
    budget: int,
    candidates: np.ndarray,
    tables: np.ndarray,
    values: np.ndarray,
    q_subs: np.ndarray,
) -> int:
    """Rows within `threshold` of q, each once, written to out_*; returns how many there
    are (which may be more than out_* holds: callers then ask again), or -1 when
    more than `budget` candidates turned up (a query inside a huge cluster of near-identical
    hashes): then a plain scan is cheaper, and the caller runs one.

    The work waits on memory: each probe reads a bucket's offsets, then its entries, then
    each candidate's hash, three dependent misses. So the probe values of a table are listed
    first and loads are prefetched a few probes ahead, and candidates are gathered into a
    buffer and verified a buffer at a time. The buffers (candidates, their tables, probe
    values, q's substrings) are the caller's, reused from query to query."""
    for t in range(starts.shape[0]):
        q_subs[t] = substring(q, starts[t], lengths[t])
    n = np.int64(0)
    count = np.int64(0)
    gathered = np.int64(0)
    offsets_row = offsets.shape[1]
    entries_row = entries.shape[1]
    for t in range(starts.shape[0]):
        radius = radii[t]
        if radius < 0:
            continue
        length = lengths[t]
        shift = np.uint64(length - bucket_bits)
        low_mask = (np.uint64(1) << shift) - np.uint64(1)
        mask = np.uint32(low_mask)
        n_values = probe_values(q_subs[t], length, radius, values)
        for k in range(n_values):
            if k + _AHEAD_OFFSETS < n_values:
                prefetch(offsets, t * offsets_row + np.int64(values[k + _AHEAD_OFFSETS] >> shift))
            if k + _AHEAD_ENTRIES < n_values:
                ahead = np.int64(values[k + _AHEAD_ENTRIES] >> shift)
                prefetch(entries, t * entries_row + np.int64(offsets[t, ahead]))
            value = values[k]
            bucket = np.int64(value >> shift)
            want = np.uint32(value & low_mask)
            for j in range(offsets[t, bucket], offsets[t, bucket + 1]):
                entry = entries[t, j]
                if (entry & mask) == want:
                    if n == candidates.shape[0]:
                        count = _verify(
                            hashes,
                            dead,
                            q,
                            threshold,
                            candidates,
                            tables,
                            n,
                            q_subs,
                            starts,
                            lengths,
                            radii,
                            out_rows,
                            out_dists,
                            count,
                        )
                        gathered += n
                        n = 0
                        if gathered > budget:
                            return -1
                    candidates[n] = entry >> np.uint32(shift)
                    tables[n] = t
                    n += 1
    return _verify(
        hashes,
        dead,
        q,
        threshold,
        candidates,
        tables,
        n,
        q_subs,
        starts,
        lengths,
        radii,
        out_rows,
        out_dists,
        count,
    )


@njit(cache=True)
def scan(
    hashes: np.ndarray,
    dead: np.ndarray,
    q: np.ndarray,
    threshold: int,
    out_rows: np.ndarray,
    out_dists: np.ndarray,
) -> int:
    """Brute force over every row: for small indexes and very wide thresholds."""
    count = np.int64(0)
    for row in range(hashes.shape[0]):
        count = _keep(hashes, dead, q, threshold, row, out_rows, out_dists, count)
    return count


@njit(inline="always", cache=True)
def sort_hits(rows: np.ndarray, dists: np.ndarray, count: int) -> None:
    """Order the first `count` hits by distance, then row (rows are in id order)."""
    keys = dists[:count] * np.int64(1 << 32) + rows[:count]
    order = np.argsort(keys)
    sorted_rows = rows[:count][order]
    sorted_dists = dists[:count][order]
    rows[:count] = sorted_rows
    dists[:count] = sorted_dists


@njit(parallel=True, cache=True)
def query_batch(
    hashes: np.ndarray,
    dead: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    radii: np.ndarray,
    bucket_bits: int,
    offsets: np.ndarray,
    entries: np.ndarray,
    queries: np.ndarray,
    threshold: int,
    which: np.ndarray,
    out_starts: np.ndarray,
    out_rows: np.ndarray,
    out_dists: np.ndarray,
    counts: np.ndarray,
    use_scan: bool,
    budget: int,
    size: int,
) -> None:
    """query_one (or scan) for queries[which[k]], in parallel, into
    out_*[out_starts[k]:out_starts[k + 1]]; counts[k] is how many hits there are (more than
    the room means: ask again with more). Each query's hits come by distance, then row.
    Queries go in blocks of `size` (see `block_size`), each block one task with one set of
    scratch buffers: allocating them per query cost a fifth of the time."""
    blocks = (which.shape[0] + size - 1) // size
    for block in prange(blocks):
        candidates = np.empty(8192, dtype=np.uint32)
        tables = np.empty(8192, dtype=np.uint8)
        values = np.empty(_MAX_PROBES, dtype=np.uint64)
        q_subs = np.empty(starts.shape[0], dtype=np.uint64)
        for k in range(block * size, min((block + 1) * size, which.shape[0])):
            q = queries[which[k]]
            rows = out_rows[out_starts[k] : out_starts[k + 1]]
            dists = out_dists[out_starts[k] : out_starts[k + 1]]
            count = np.int64(-1)
            if not use_scan:
                count = query_one(
                    hashes,
                    dead,
                    starts,
                    lengths,
                    radii,
                    bucket_bits,
                    offsets,
                    entries,
                    q,
                    threshold,
                    rows,
                    dists,
                    budget,
                    candidates,
                    tables,
                    values,
                    q_subs,
                )
            if count < 0:
                count = scan(hashes, dead, q, threshold, rows, dists)
            if 1 < count <= rows.shape[0]:
                sort_hits(rows, dists, count)
            counts[k] = count
