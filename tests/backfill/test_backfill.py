"""Backfill on a real `distributed.LocalCluster` (2 single-threaded worker processes, one
for the module), on small data: every stored hash against only the entries added since a
change id, exact against a brute-force scan, matches opened as cases as live matching opens
them, resumable without opening anything twice. Stored hashes in Parquet files and in a
PostgreSQL table (the same rows from both readers)."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from safeguarding.backfill.checkpoint import Checkpoint
from safeguarding.backfill.run import Backfill, distributed
from safeguarding.backfill.scan import scan_on_worker
from safeguarding.backfill.sources import (
    Partition,
    iter_rows,
    parquet_partitions,
    postgres_partitions,
)
from safeguarding.cases.model import CaseKind
from safeguarding.engine import Engine
from safeguarding.errors import InvalidInputError, MissingDependencyError

BITS = 256


def _hex(value: int) -> str:
    return f"{value:064x}"


def _near(value: int, bits: int, rng: random.Random) -> int:
    for position in rng.sample(range(BITS), bits):
        value ^= 1 << position
    return value


def _distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _fill(engine: Engine, rng: random.Random) -> tuple[int, dict[int, tuple[str, str]]]:
    """Banks with old entries, then new ones; returns (since, new entry id -> (value, bank))."""
    engine.banks.create_bank("wide", "test")  # PDQ threshold 31 (the default)
    engine.banks.create_bank("narrow", "test", policy=None)
    engine.banks.update_bank("narrow", "test", pdq_threshold=10)
    engine.banks.create_bank("off", "test")
    old = [_hex(rng.getrandbits(BITS)) for _ in range(20)]
    engine.banks.add_signals("wide", [("pdq", v, None) for v in old], "test")
    with engine.db.read() as session:
        since = engine.banks.store.last_change_id(session)
    for bank in ("wide", "narrow", "off"):
        values = [_hex(rng.getrandbits(BITS)) for _ in range(8)]
        engine.banks.add_signals(bank, [("pdq", v, None) for v in values], "test")
    engine.banks.update_bank("off", "test", enabled=False)
    new: dict[int, tuple[str, str]] = {}
    for bank in ("wide", "narrow", "off"):
        for entry in engine.banks.entries(bank, limit=1000):
            if entry.value not in old:
                new[entry.id] = (entry.value, bank)
    return since, new


def _stored(new: dict[int, tuple[str, str]], rng: random.Random) -> list[tuple[str, str]]:
    """Random uploads, with near copies of new entries planted at many distances."""
    rows = [(f"u{i}", _hex(rng.getrandbits(BITS))) for i in range(3000)]
    for n, (value, _) in enumerate(new.values()):
        for bits in (0, 6, 10, 11, 25, 31, 32, 45):
            rows.append((f"near{n}-{bits}", _hex(_near(int(value, 16), bits, rng))))
    rows.append(("bad-row", "not a pdq"))
    rng.shuffle(rows)
    return rows


def _brute_force(
    rows: list[tuple[str, str]], new: dict[int, tuple[str, str]]
) -> set[tuple[str, int]]:
    limits = {"wide": 31, "narrow": 10}  # "off" is disabled
    return {
        (content_id, entry_id)
        for content_id, stored in rows
        if stored != "not a pdq"
        for entry_id, (value, bank) in new.items()
        if bank in limits and _distance(stored, value) <= limits[bank]
    }


def _parquet(rows: list[tuple[str, str]], folder: Path) -> Path:
    folder.mkdir()
    third = len(rows) // 3
    for i, part in enumerate((rows[:third], rows[third : 2 * third], rows[2 * third :])):
        table = pa.table({"content_id": [r[0] for r in part], "pdq": [r[1] for r in part]})
        pq.write_table(table, folder / f"part-{i}.parquet", row_group_size=400)
    return folder


def test_backfill_is_exact_opens_cases_and_resumes(
    engine: Engine, cluster: str, tmp_path: Path
) -> None:
    rng = random.Random(19)
    since, new = _fill(engine, rng)
    rows = _stored(new, rng)
    partitions: list[Partition] = list(
        parquet_partitions(_parquet(rows, tmp_path / "hashes"), "content_id", "pdq")
    )
    assert len(partitions) > 6  # row groups of 400 rows in 3 files
    seen: list[int] = []
    job = Backfill(
        engine, partitions, Checkpoint(tmp_path / "cp"), progress=lambda p: seen.append(p.done)
    )
    report = job.run(since, scheduler=cluster)

    expected = _brute_force(rows, new)
    assert len(expected) > 40
    assert set(report.matches) == expected and len(report.matches) == len(expected)
    assert report.entries == len(new) == 24 and report.rows == len(rows)
    assert report.invalid == 1  # "not a pdq"
    assert seen == list(range(len(partitions) + 1))  # a first report before any result
    # cases as live matching opens them: one per matched content, each naming its entries
    contents = {c for c, _ in expected}
    assert report.cases_opened == len(contents) and report.cases_joined == 0
    records = [json.loads(x) for x in (tmp_path / "cp" / "matches.jsonl").read_text().splitlines()]
    assert {(r["content_id"], r["entry_id"]) for r in records} == expected
    for record in records[:5]:
        case = engine.cases.get(record["case"])
        assert case.kind == CaseKind.MATCH and case.subject.content_id == record["content_id"]
        shown = json.dumps([e.data for e in case.evidence], default=str)
        assert f'"entry": {record["entry_id"]}' in shown

    # run again: nothing left to scan, nothing opened twice
    again = Backfill(engine, partitions, Checkpoint(tmp_path / "cp")).run(since, scheduler=cluster)
    assert again.resumed == len(partitions) and again.matches == [] and again.cases_opened == 0

    # as if cut short after half the partitions, with their matches recorded (the crash came
    # after the last match line was written): the rest is scanned, nothing opened twice
    checkpoint = Checkpoint(tmp_path / "cp")
    state = checkpoint.load(since)
    assert state is not None
    done_half = state.done[: len(state.done) // 2]
    kept_names = set(done_half)
    state.done = done_half
    checkpoint.save(state)
    resumed = Backfill(engine, partitions, checkpoint).run(since, scheduler=cluster)
    assert resumed.resumed == len(done_half)
    assert resumed.matches == [] and resumed.cases_opened == 0  # all recorded already
    assert {p.name for p in partitions} - kept_names


def test_only_new_entries_are_scanned(engine: Engine, cluster: str, tmp_path: Path) -> None:
    rng = random.Random(7)
    since, new = _fill(engine, rng)
    with engine.db.read() as session:
        now = engine.banks.store.last_change_id(session)
    rows = _stored(new, rng)
    partitions: list[Partition] = list(
        parquet_partitions(_parquet(rows, tmp_path / "hashes"), "content_id", "pdq")
    )
    # since the last change: nothing new, nothing scanned, no cluster needed
    nothing = Backfill(engine, partitions, Checkpoint(tmp_path / "none")).run(now)
    assert nothing.entries == 0 and nothing.matches == [] and nothing.rows == 0
    with pytest.raises(InvalidInputError, match="since change"):
        Checkpoint(tmp_path / "none").load(since)


def test_scan_without_dask_matches_the_worker_path(engine: Engine, tmp_path: Path) -> None:
    """The task itself, called directly (no worker): the index is mapped from a file."""
    rng = random.Random(3)
    since, new = _fill(engine, rng)
    rows = _stored(new, rng)
    partitions = parquet_partitions(_parquet(rows, tmp_path / "hashes"), "content_id", "pdq")
    job = Backfill(engine, list(partitions), Checkpoint(tmp_path / "cp"))
    state = job.prepare(since)
    data = job.checkpoint.index_path.read_bytes()
    found = {
        (c.content_id, c.entry_id)
        for p in partitions
        for c in scan_on_worker(p, state.digest, data, state.threshold).candidates
    }
    assert _brute_force(rows, new) <= found  # candidates: within the widest threshold


def test_bad_sources_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="no Parquet file"):
        parquet_partitions(tmp_path, "content_id", "pdq")
    (tmp_path / "x.parquet").write_bytes(b"not parquet")
    with pytest.raises(InvalidInputError, match="not a readable Parquet file"):
        parquet_partitions(tmp_path / "x.parquet", "content_id", "pdq")
    other = tmp_path / "other.parquet"
    pq.write_table(pa.table({"id": ["a"], "hash": ["0" * 64]}), other)
    with pytest.raises(InvalidInputError, match="no column 'content_id'"):
        parquet_partitions(other, "content_id", "pdq")
    with pytest.raises(InvalidInputError, match="not a plain SQL identifier"):
        postgres_partitions("postgresql://x/y", "uploads; drop table x")


def test_a_missing_extra_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'safeguarding\[backfill\]'"):
        distributed()


@pytest.mark.postgres
def test_postgres_table_reads_as_the_parquet_files(engine: Engine, tmp_path: Path) -> None:
    import psycopg

    rng = random.Random(5)
    rows = [(f"u{i}", _hex(rng.getrandbits(BITS))) for i in range(2500)]
    url = engine.settings.database_url
    if not url.startswith("postgresql"):
        pytest.skip("the PostgreSQL reader reads a PostgreSQL table")
    libpq = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(libpq) as conn:
        conn.execute("CREATE TABLE upload_hashes (id bigserial, content_id text, pdq bytea)")
        with conn.cursor().copy("COPY upload_hashes (content_id, pdq) FROM STDIN") as copy:
            for content_id, value in rows:
                copy.write_row((content_id, bytes.fromhex(value)))
        conn.execute("INSERT INTO upload_hashes (content_id, pdq) VALUES ('none', NULL)")
    table_parts: list[Partition] = list(
        postgres_partitions(url, "upload_hashes", rows_per_partition=1000)
    )
    assert len(table_parts) == 3
    file_parts: list[Partition] = list(
        parquet_partitions(_parquet(rows, tmp_path / "hashes"), "content_id", "pdq")
    )
    assert sorted(iter_rows(table_parts)) == sorted(iter_rows(file_parts)) == sorted(rows)
