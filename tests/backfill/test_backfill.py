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

from safeguarding.backfill import near, run, scan
from safeguarding.backfill.checkpoint import Checkpoint
from safeguarding.backfill.decode import decode
from safeguarding.backfill.entries import scanned, width
from safeguarding.backfill.run import Backfill, distributed
from safeguarding.backfill.scan import scan_on_worker
from safeguarding.backfill.sources import Partition, parquet_partitions, postgres_partitions
from safeguarding.cases.model import CaseKind
from safeguarding.engine import Engine
from safeguarding.errors import InvalidInputError, MissingDependencyError, SignalError

BITS = 256
TYPES = ("pdq", "md5", "sha256")
COLUMNS = tuple((t, t) for t in TYPES)
Row = tuple[str, str | None, str | bytes | None, bytes | None]  # id, pdq, md5, sha256


def _hex(value: int, bits: int = BITS) -> str:
    return f"{value:0{bits // 4}x}"


def _near(value: int, bits: int, rng: random.Random) -> int:
    for position in rng.sample(range(BITS), bits):
        value ^= 1 << position
    return value


def _distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _digests(rng: random.Random, n: int) -> list[tuple[str, str, str]]:
    return [
        (_hex(rng.getrandbits(BITS)), _hex(rng.getrandbits(128), 128), _hex(rng.getrandbits(BITS)))
        for _ in range(n)
    ]


def _add(engine: Engine, bank: str, values: list[tuple[str, str, str]]) -> None:
    engine.banks.add_signals(
        bank,
        [(t, v, None) for triple in values for t, v in zip(TYPES, triple, strict=True)],
        "test",
    )


New = dict[int, tuple[str, str, str]]  # new entry id -> (signal type, value, bank)


def _fill(engine: Engine, rng: random.Random) -> tuple[int, New, list[tuple[str, str, str]]]:
    """Banks with old entries (PDQ, MD5, SHA-256), then new ones; returns (since, the new
    entries, the old values)."""
    engine.banks.create_bank("wide", "test")  # PDQ threshold 31 (the default)
    engine.banks.create_bank("narrow", "test", policy=None)
    engine.banks.update_bank("narrow", "test", pdq_threshold=10)
    engine.banks.create_bank("off", "test")
    old = _digests(rng, 20)
    _add(engine, "wide", old)
    with engine.db.read() as session:
        since = engine.banks.store.last_change_id(session)
    for bank in ("wide", "narrow", "off"):
        _add(engine, bank, _digests(rng, 8))
    engine.banks.update_bank("off", "test", enabled=False)
    known = {v for triple in old for v in triple}
    new: New = {}
    for bank in ("wide", "narrow", "off"):
        for entry in engine.banks.entries(bank, limit=1000):
            if entry.value not in known:
                new[entry.id] = (entry.signal_type, entry.value, bank)
    return since, new, old


def _stored(new: New, old: list[tuple[str, str, str]], rng: random.Random) -> list[Row]:
    """Random uploads; near copies of new PDQ entries planted at many distances; copies of
    new and old MD5s and SHA-256s, the MD5s written as people write them (upper case,
    spaces around), the SHA-256s as raw bytes; one content with a PDQ and an MD5 match."""
    rows: list[Row] = []
    for i in range(3000):
        pdq, md5, sha = _digests(rng, 1)[0]
        rows.append((f"u{i}", pdq, md5, bytes.fromhex(sha)))
    for n, (signal, value, _) in enumerate(new.values()):
        if signal == "pdq":
            for bits in (0, 6, 10, 11, 25, 31, 32, 45):
                rows.append((f"near{n}-{bits}", _hex(_near(int(value, 16), bits, rng)), None, None))
        elif signal == "md5":
            rows.append((f"md5-{n}", None, value, None))
            rows.append((f"md5-upper-{n}", None, f" {value.upper()}\n", None))
            rows.append((f"md5-bytes-{n}", None, bytes.fromhex(value), None))
        else:
            rows.append((f"sha-{n}", None, None, bytes.fromhex(value)))
    for n, (_, md5, sha) in enumerate(old[:5]):
        rows.append((f"old-{n}", None, md5, bytes.fromhex(sha)))  # old entries: not scanned
    pdq_new = next(v for s, v, b in new.values() if s == "pdq" and b == "wide")
    md5_new = next(v for s, v, b in new.values() if s == "md5" and b == "wide")
    rows.append(("both", pdq_new, md5_new, None))
    rows.append(("bad-row", "not a pdq", "xyz", b"short"))
    rows.append(("bad-hex", "g" * 64, "G" * 32, None))
    rng.shuffle(rows)
    return rows


def _canonical(value: str | bytes | None) -> str | None:
    if isinstance(value, bytes):
        return value.hex()
    return None if value is None else value.strip().lower()


def _brute_force(rows: list[Row], new: New) -> set[tuple[str, int]]:
    limits = {"wide": 31, "narrow": 10}  # "off" is disabled
    expected = set()
    for content_id, *values in rows:
        stored = dict(zip(TYPES, map(_canonical, values), strict=True))
        for entry_id, (signal, value, bank) in new.items():
            have = stored[signal]
            if bank not in limits or have is None or len(have) != len(value):
                continue
            try:
                distance = _distance(have, value)
            except ValueError:
                continue
            if distance <= (limits[bank] if signal == "pdq" else 0):
                expected.add((content_id, entry_id))
    return expected


def _parquet(rows: list[Row], folder: Path) -> Path:
    folder.mkdir()
    third = len(rows) // 3
    for i, part in enumerate((rows[:third], rows[third : 2 * third], rows[2 * third :])):
        table = pa.table(
            {
                "content_id": [r[0] for r in part],
                "pdq": pa.array([r[1] for r in part], pa.string()),
                "md5": pa.array(
                    [_canonical(r[2]) if isinstance(r[2], bytes) else r[2] for r in part],
                    pa.string(),
                ),
                "sha256": pa.array([r[3] for r in part], pa.binary()),
            }
        )
        pq.write_table(table, folder / f"part-{i}.parquet", row_group_size=400)
    return folder


def test_backfill_is_exact_opens_cases_and_resumes(
    engine: Engine, cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run, "CASES_PER_TRANSACTION", 4)  # several transactions a partition
    rng = random.Random(19)
    since, new, old = _fill(engine, rng)
    rows = _stored(new, old, rng)
    partitions: list[Partition] = list(
        parquet_partitions(_parquet(rows, tmp_path / "hashes"), "content_id", COLUMNS)
    )
    assert len(partitions) > 6  # row groups of 400 rows in 3 files
    seen: list[int] = []
    job = Backfill(
        engine, partitions, Checkpoint(tmp_path / "cp"), progress=lambda p: seen.append(p.done)
    )
    report = job.run(since, scheduler=cluster)

    expected = _brute_force(rows, new)
    by_type = {t: {e for e, (s, _, _) in new.items() if s == t} for t in TYPES}
    for signal in TYPES:  # each type found, with its near or exact copies
        assert len({e for _, e in expected} & by_type[signal]) >= 16
    assert set(report.matches) == expected and len(report.matches) == len(expected)
    assert report.entries == len(new) == 72 and report.rows == len(rows)
    assert report.invalid == 5  # the two bad rows' five hashes
    assert seen == list(range(len(partitions) + 1))  # a first report before any result
    # cases as live matching opens them: one per matched content, each naming its entries
    contents = {c for c, _ in expected}
    assert report.cases_opened == len(contents) and report.cases_joined == 0
    both = [e for c, e in report.matches if c == "both"]
    assert {new[e][0] for e in both} == {"pdq", "md5"}
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
    since, new, old = _fill(engine, rng)
    with engine.db.read() as session:
        now = engine.banks.store.last_change_id(session)
    rows = _stored(new, old, rng)
    partitions: list[Partition] = list(
        parquet_partitions(_parquet(rows, tmp_path / "hashes"), "content_id", COLUMNS)
    )
    # since the last change: nothing new, nothing scanned, no cluster needed
    nothing = Backfill(engine, partitions, Checkpoint(tmp_path / "none")).run(now)
    assert nothing.entries == 0 and nothing.matches == [] and nothing.rows == 0
    with pytest.raises(InvalidInputError, match="since change"):
        Checkpoint(tmp_path / "none").load(since)


@pytest.mark.parametrize("tables", [True, False])
def test_scan_without_dask_matches_the_worker_path(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tables: bool
) -> None:
    """The task itself, called directly (no worker): the index is mapped from a file; PDQs
    searched in near-neighbour tables, or (too many new entries for them) by the index."""
    monkeypatch.setattr(scan, "_NEAR", {})
    if not tables:
        monkeypatch.setattr(near, "MAX_ROWS", 0)
    rng = random.Random(3)
    since, new, old = _fill(engine, rng)
    rows = _stored(new, old, rng)
    partitions = parquet_partitions(_parquet(rows, tmp_path / "hashes"), "content_id", COLUMNS)
    job = Backfill(engine, list(partitions), Checkpoint(tmp_path / "cp"))
    state = job.prepare(since)
    shipped = [
        (s, job.checkpoint.index_path(s.signal_type).read_bytes()) for s in job.shipped(state)
    ]
    assert {s.signal_type for s, _ in shipped} == set(TYPES)
    found = {
        (c.content_id, c.entry_id)
        for p in partitions
        for c in scan_on_worker(p, shipped).candidates
    }
    assert _brute_force(rows, new) <= found  # candidates: within the widest threshold
    assert [t is not None for t in scan._NEAR.values()] == [tables]


def test_bad_sources_are_refused(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="no Parquet file"):
        parquet_partitions(tmp_path, "content_id", COLUMNS)
    (tmp_path / "x.parquet").write_bytes(b"not parquet")
    with pytest.raises(InvalidInputError, match="not a readable Parquet file"):
        parquet_partitions(tmp_path / "x.parquet", "content_id", COLUMNS)
    other = tmp_path / "other.parquet"
    pq.write_table(pa.table({"id": ["a"], "hash": ["0" * 64]}), other)
    with pytest.raises(InvalidInputError, match="no column 'content_id'"):
        parquet_partitions(other, "content_id", COLUMNS)
    with pytest.raises(InvalidInputError, match="no column 'md5'"):
        parquet_partitions(other, "id", (("pdq", "hash"), ("md5", "md5")))
    with pytest.raises(InvalidInputError, match="no hash column"):
        parquet_partitions(other, "id", ())
    with pytest.raises(SignalError, match="unknown signal type"):
        Backfill(
            engine, parquet_partitions(other, "id", (("nope", "hash"),)), Checkpoint(tmp_path / "c")
        )
    with pytest.raises(InvalidInputError, match="not vpdq"):
        Backfill(
            engine, parquet_partitions(other, "id", (("vpdq", "hash"),)), Checkpoint(tmp_path / "c")
        )
    with pytest.raises(InvalidInputError, match="not a plain SQL identifier"):
        postgres_partitions("postgresql://x/y", "uploads; drop table x")


def test_a_missing_extra_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'safeguarding\[backfill\]'"):
        distributed()


def _read(partitions: list[Partition]) -> list[tuple[str | None, ...]]:
    """Every row of the partitions, each hash canonical hex (None: missing or invalid)."""
    out: list[tuple[str | None, ...]] = []
    for partition in partitions:
        table = partition.read()
        ids = table.column("content_id").to_pylist()
        columns = []
        for signal, _ in partition.columns:
            kind = scanned(signal)
            rows, raw, _ = decode(table.column(signal), width(kind), kind)
            values: list[str | None] = [None] * len(ids)
            for row, value in zip(rows.tolist(), raw, strict=True):
                values[row] = bytes(value).hex()
            columns.append(values)
        out.extend(zip(ids, *columns, strict=True))
    return sorted(out)


@pytest.mark.postgres
def test_postgres_table_scans_as_the_parquet_files(
    engine: Engine, cluster: str, tmp_path: Path
) -> None:
    """The same stored hashes in a table (PDQ and MD5 as text, SHA-256 as bytea): the
    reader reads what the Parquet reader reads, and the backfill finds the same matches."""
    import psycopg

    url = engine.settings.database_url
    if not url.startswith("postgresql"):
        pytest.skip("the PostgreSQL reader reads a PostgreSQL table")
    rng = random.Random(5)
    since, new, old = _fill(engine, rng)
    rows = _stored(new, old, rng)
    libpq = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(libpq) as conn:
        conn.execute(
            "CREATE TABLE upload_hashes (id bigserial, content_id text, pdq text, md5 text, "
            "sha256 bytea)"
        )
        with conn.cursor().copy(
            "COPY upload_hashes (content_id, pdq, md5, sha256) FROM STDIN"
        ) as copy:
            for content_id, pdq, md5, sha in rows:
                copy.write_row(
                    (content_id, pdq, _canonical(md5) if isinstance(md5, bytes) else md5, sha)
                )
        conn.execute("INSERT INTO upload_hashes (content_id, pdq) VALUES (NULL, 'no id')")
    table_parts: list[Partition] = list(
        postgres_partitions(url, "upload_hashes", columns=COLUMNS, rows_per_partition=1000)
    )
    assert len(table_parts) == 4
    file_parts: list[Partition] = list(
        parquet_partitions(_parquet(rows, tmp_path / "hashes"), "content_id", COLUMNS)
    )
    assert _read(table_parts) == _read(file_parts)
    assert len(_read(table_parts)) == len(rows)  # the row without an id left out

    report = Backfill(engine, table_parts, Checkpoint(tmp_path / "cp")).run(
        since, scheduler=cluster
    )
    assert set(report.matches) == _brute_force(rows, new) and report.invalid == 5
