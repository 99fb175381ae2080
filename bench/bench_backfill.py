"""Backfill benchmark: stored PDQ hashes in Parquet against 10,000 new bank entries, on a
LocalCluster of single-threaded workers, exact on a sample against a brute-force scan.

    flock /work/.benchlock python bench/bench_backfill.py --rows 1000000 --entries 10000

What it measures, each on the same files: the reader alone (every row group read, and its
hashes checked and decoded, one process: the cost of getting hashes off disk), the scan on
1 worker and on 2 (tasks only: the index shipped once, every partition searched,
candidates back), and one whole `Backfill.run` on 2 workers (scan, then each candidate
matched and its case opened in the driver, on SQLite). The 100M figure is extrapolated
from the rate measured here, and printed as such. Planted near copies of entries (distance
0..31, one row in `--planted-every`) are found; exactness: a random sample of rows is
compared with numpy's brute-force scan against every entry. `--binary` stores the PDQs as
fixed_size_binary(32) instead of hex text.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import describe
from safeguarding.backfill.checkpoint import Checkpoint
from safeguarding.backfill.decode import decode, pdq_words
from safeguarding.backfill.near import NearTable
from safeguarding.backfill.run import Backfill, distributed
from safeguarding.backfill.scan import Shipped, scan_on_worker
from safeguarding.backfill.sources import ParquetPartition, parquet_partitions
from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.hashing.pdq import PdqSignal
from safeguarding.matching.pdq_index import PdqIndex
from safeguarding.store.db import Database

THRESHOLD = 31
ROW_GROUP = 250_000


def _hex(words: np.ndarray) -> list[str]:
    return [bytes(row).hex() for row in words.astype(">u8").view(np.uint8).reshape(-1, 32)]


def _column(words: np.ndarray, binary: bool) -> pa.Array:
    """(n, 4) words as hex text or 32 raw bytes, built from one buffer (no row objects)."""
    raw = words.astype(">u8").view(np.uint8).reshape(-1, 32)
    if binary:
        return pa.FixedSizeBinaryArray.from_buffers(
            pa.binary(32), len(raw), [None, pa.py_buffer(raw.tobytes())]
        )
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    text = np.empty((len(raw), 64), dtype=np.uint8)
    text[:, 0::2], text[:, 1::2] = digits[raw >> 4], digits[raw & 15]
    offsets = np.arange(0, 64 * len(raw) + 1, 64, dtype=np.int32)
    return pa.StringArray.from_buffers(
        len(raw), pa.py_buffer(offsets.tobytes()), pa.py_buffer(text.tobytes())
    )


def _write(
    folder: Path, rows: int, entries: np.ndarray, rng: np.random.Generator, every: int, binary: bool
) -> int:
    folder.mkdir()
    planted = 0
    per_file = 1_000_000
    for n, start in enumerate(range(0, rows, per_file)):
        count = min(per_file, rows - start)
        words = rng.integers(0, 2**64, size=(count, 4), dtype=np.uint64)
        # near copies of entries: one row in `every`
        where = rng.choice(count, size=count // every, replace=False)
        for row in where:
            source = entries[rng.integers(len(entries))].copy()
            for bit in rng.choice(256, size=int(rng.integers(0, THRESHOLD + 1)), replace=False):
                source[bit // 64] ^= np.uint64(1) << np.uint64(63 - bit % 64)
            words[row] = source
        planted += len(where)
        ids = pa.array(np.char.add("upload-", np.arange(start, start + count).astype(str)))
        table = pa.table({"content_id": ids, "pdq": _column(words, binary)})
        pq.write_table(table, folder / f"part-{n:04d}.parquet", row_group_size=ROW_GROUP)
    return planted


def _timed(partition: ParquetPartition, sent: list[tuple[Shipped, bytes]]) -> tuple[int, float]:
    """The backfill's task, with the CPU seconds its worker process spent on it (every
    thread of the process: Dask's own included)."""
    start = time.process_time()
    found = len(scan_on_worker(partition, sent).candidates)
    return found, time.process_time() - start


def _scan_seconds(
    address: str, partitions: list[ParquetPartition], shipped: list[tuple[Shipped, bytes]]
) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the workers' tasks, candidates)."""
    dist = distributed()
    with dist.Client(address) as client:
        sent = [(s, client.scatter(data, broadcast=True)) for s, data in shipped]
        client.run(lambda: None)  # workers up and connected before the clock starts
        start = time.perf_counter()
        futures = [client.submit(_timed, p, sent, pure=False) for p in partitions]
        results = [f.result() for f in dist.as_completed(futures)]
        wall = time.perf_counter() - start
        return wall, sum(cpu for _, cpu in results), sum(found for found, _ in results)


def _warm() -> None:
    """Load the compiled search kernels (numba's disk cache) in this worker process, so the
    scans time the steady state a 100M run spends its hours in (the near-neighbour tables
    of the real entries are still built by each worker's first task, inside the timing)."""
    index = PdqIndex.from_arrays(np.arange(2), np.zeros((2, 4), dtype=np.uint64), min_delta=1)
    index.search(np.zeros((1, 4), dtype=np.uint64), THRESHOLD)
    table = NearTable.build(*index.arrays(), THRESHOLD)
    assert table is not None
    table.search(np.zeros((1, 4), dtype=np.uint64))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--planted-every", type=int, default=2000)
    parser.add_argument("--binary", action="store_true", help="PDQs as fixed_size_binary(32)")
    parser.add_argument("--no-whole-run", action="store_true", help="scans only")
    parser.add_argument("--workers", default="1,2", help="the scans' worker counts")
    args = parser.parse_args()
    print(describe(["numpy", "numba", "pyarrow", "distributed", "dask"]))
    rng = np.random.default_rng(19)
    work = Path(tempfile.mkdtemp(prefix="bench-backfill-"))
    db_path = work / "bench.db"
    Database(f"sqlite:///{db_path}").upgrade()
    engine = Engine(Settings(database_url=f"sqlite:///{db_path}"))
    engine.banks.create_bank("new", "bench")
    entries = rng.integers(0, 2**64, size=(args.entries, 4), dtype=np.uint64)
    engine.banks.add_signals("new", [("pdq", v, None) for v in _hex(entries)], "bench")

    start = time.perf_counter()
    planted = _write(work / "hashes", args.rows, entries, rng, args.planted_every, args.binary)
    print(
        f"wrote {args.rows:,} rows ({planted:,} planted near copies; PDQ as "
        f"{'fixed_size_binary(32)' if args.binary else 'hex text'}) in "
        f"{time.perf_counter() - start:.0f} s"
    )
    partitions = parquet_partitions(work / "hashes", "content_id", (("pdq", "pdq"),))

    job = Backfill(engine, list(partitions), Checkpoint(work / "cp"))
    state = job.prepare(0)
    shipped = [
        (s, job.checkpoint.index_path(s.signal_type).read_bytes()) for s in job.shipped(state)
    ]
    print(
        f"index of {state.entries:,} new entries: {len(shipped[0][1]) / 2**20:.1f} MiB, "
        f"threshold {state.threshold}"
    )

    start, cpu = time.perf_counter(), time.process_time()
    for p in partitions:
        decode(p.read().column("pdq"), 32, PdqSignal)
    reader, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"reader alone (read, check, decode; 1 process): {reader:.2f} s, "
        f"{args.rows / reader:,.0f} rows/s; CPU {cpu:.2f} s, {args.rows / cpu:,.0f} rows per "
        f"CPU second"
    )

    rates = {}
    counts = [int(n) for n in args.workers.split(",")]
    for workers in counts:
        with (
            distributed().LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            distributed().Client(cluster) as client,
        ):
            client.run(_warm)
            seconds, cpu, found = _scan_seconds(cluster.scheduler_address, partitions, shipped)
        rates[workers] = args.rows / seconds
        print(
            f"scan on {workers} worker(s): {seconds:.2f} s, {rates[workers]:,.0f} rows/s, "
            f"{found:,} candidates; workers' CPU {cpu:.2f} s, {args.rows / cpu:,.0f} rows per "
            f"CPU second"
        )
    if 1 in rates and 2 in rates:
        print(f"2 workers / 1 worker: {rates[2] / rates[1]:.2f}x")
    most = max(rates)
    print(
        f"extrapolated (not measured): 100M stored hashes on {most} workers here: "
        f"{100_000_000 / rates[most] / 60:.1f} min of scanning "
        f"({rates[most] * 3600 / 1e6:,.0f}M rows/h)"
    )
    if args.no_whole_run:
        engine.close()
        return

    start = time.perf_counter()
    report = job.run(0, workers=2)
    whole = time.perf_counter() - start
    print(
        f"whole run on 2 workers (cluster start, scan, match, cases on SQLite): {whole:.1f} s, "
        f"{len(report.matches):,} matches, {report.cases_opened:,} cases opened; the driver "
        f"spent {report.applying:.1f} s matching and opening cases "
        f"({report.applying / max(1, len(report.matches)) * 1000:.0f} ms a match)"
    )

    # exactness on a sample: numpy's brute force against every entry
    sample_rows = rng.choice(args.rows, size=min(args.sample, args.rows), replace=False)
    wanted = {f"upload-{i}" for i in sample_rows.tolist()}
    sample_ids: list[str] = []
    sample_words = []
    for p in partitions:
        table = p.read()
        rows, raw, _ = decode(table.column("pdq"), 32, PdqSignal)
        ids = table.column("content_id").to_pylist()
        keep = [n for n, row in enumerate(rows.tolist()) if ids[row] in wanted]
        sample_ids.extend(ids[rows[n]] for n in keep)
        sample_words.append(pdq_words(raw[keep]))
    words = np.concatenate(sample_words)
    entry_ids = {v: i for i, v in enumerate(_hex(entries))}
    expected = set()
    for n, row in enumerate(words):
        distance = np.bitwise_count(entries ^ row).sum(axis=1)
        for e in np.flatnonzero(distance <= THRESHOLD).tolist():
            expected.add((sample_ids[n], e))
    got = set()
    values_by_entry = {e.id: e.value for e in engine.banks.entries("new", limit=1_000_000)}
    for content_id, entry_id in report.matches:
        if content_id in wanted:
            got.add((content_id, entry_ids[values_by_entry[entry_id]]))
    print(
        f"exact on a sample of {len(sample_ids):,} rows: {len(expected)} matches by brute "
        f"force, {len(got)} by the backfill, {'equal' if got == expected else 'DIFFERENT'}"
    )
    engine.close()


if __name__ == "__main__":
    main()
