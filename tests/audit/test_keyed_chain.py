"""The keyed chain and its signed checkpoints (issue 11, point 2): what someone with write
access to the database, but not to the audit key or the checkpoint file, can no longer hide."""

from __future__ import annotations

import json
import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed448 import Ed448PrivateKey
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from safeguarding.audit.chain import GENESIS, event_hash
from safeguarding.audit.checkpoint import read_checkpoints
from safeguarding.audit.events import Event
from safeguarding.audit.keys import AuditKey, public_key_from_hex
from safeguarding.audit.tables import AuditEventRow
from safeguarding.cli.main import app
from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.errors import AuditKeyError
from safeguarding.store.models import utcnow


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "audit.pem"
    path.parent.mkdir()
    AuditKey.generate(path)
    return path


@pytest.fixture
def keyed(db_url: str, key_file: Path, tmp_path: Path) -> Iterator[Engine]:
    instance = Engine(
        Settings(
            database_url=db_url,
            index_refresh_seconds=0.2,
            audit_key_file=str(key_file),
            audit_checkpoint_file=str(tmp_path / "log" / "audit.jsonl"),
        )
    )
    yield instance
    instance.close()


def _record(engine: Engine, n: int) -> None:
    for i in range(n):
        with engine.db.write() as session:
            engine.audit.record(session, "t", Event.CASE_VIEW, f"item:{i}", n=i)


def _problems(engine: Engine) -> list[str]:
    with engine.db.read() as session:
        return engine.audit.verify(session).problems


def _append_forged(engine: Engine, key_id: str | None) -> None:
    """What an attacker with database access does: a new event after the head, its hash
    computed exactly as the chain does (with a made-up hash when it claims the key)."""
    with Session(engine.db.engine) as session:
        last = session.scalars(
            select(AuditEventRow).order_by(AuditEventRow.seq.desc()).limit(1)
        ).first()
        seq, prev = (last.seq or 0, last.hash or GENESIS) if last else (0, GENESIS)
        row = AuditEventRow(
            at=utcnow(),
            actor="admin:ada",
            action="case.decide",
            target="case:1",
            details={"decision": "false_positive"},
            seq=seq + 1,
            prev_hash=prev,
            key_id=None,
        )
        session.add(row)
        session.flush()
        row.at = (
            session.scalar(select(AuditEventRow.at).where(AuditEventRow.id == row.id)) or row.at
        )
        row.hash = event_hash(row, prev) if key_id is None else "f" * 64
        row.key_id = key_id
        session.commit()


def test_a_keyed_chain_verifies_and_says_so(keyed: Engine) -> None:
    _record(keyed, 4)
    with keyed.db.read() as session:
        report = keyed.audit.verify(session)
        keys = set(session.scalars(select(AuditEventRow.key_id)))
    assert report.ok and report.events == 4
    assert keys == {keyed.audit.key.id if keyed.audit.key else None}
    assert any("keyed from event 1" in note for note in report.notes)


def test_an_appended_forged_event_is_reported(keyed: Engine) -> None:
    _record(keyed, 3)
    _append_forged(keyed, None)
    assert any("not keyed" in p and "appended without the audit key" in p for p in _problems(keyed))
    with keyed.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq = 4"))
    assert _problems(keyed) == []
    _append_forged(keyed, keyed.audit.key.id if keyed.audit.key else None)
    assert any("event 4" in p and "altered or forged" in p for p in _problems(keyed))


def test_without_a_key_the_same_forgery_passes(db_url: str) -> None:
    """Why the key matters: an unkeyed chain cannot tell a well-made appended event."""
    engine = Engine(Settings(database_url=db_url, index_refresh_seconds=0.2))
    try:
        _record(engine, 3)
        _append_forged(engine, None)
        with engine.db.read() as session:
            report = engine.audit.verify(session)
        assert report.ok and report.events == 4
        assert any("not keyed" in note for note in report.notes)
    finally:
        engine.close()


def test_an_emptied_table_and_a_cut_tail_are_reported_against_the_last_checkpoint(
    keyed: Engine,
) -> None:
    _record(keyed, 5)
    first = keyed.write_checkpoint()
    assert first is not None and first.seq == 5
    assert keyed.write_checkpoint() is None  # the head has not moved
    _record(keyed, 2)
    second = keyed.write_checkpoint()
    assert second is not None and second.seq == 7
    assert _problems(keyed) == []
    with keyed.db.engine.begin() as conn:
        conn.execute(delete(AuditEventRow).where(AuditEventRow.seq > 6))
    cut = _problems(keyed)
    assert any("ends at event 6" in p and "recorded event 7" in p for p in cut)
    with keyed.db.engine.begin() as conn:
        conn.execute(delete(AuditEventRow))
    emptied = _problems(keyed)
    assert any("the audit table is empty" in p for p in emptied)
    assert len([p for p in emptied if "were deleted" in p]) == 2  # both checkpoints


def test_a_rebuilt_chain_does_not_match_the_checkpoint(keyed: Engine) -> None:
    """Rewriting every event as a consistent unkeyed chain passes the link checks; the
    checkpoint, signed outside the database, still tells."""
    _record(keyed, 3)
    keyed.write_checkpoint()
    with Session(keyed.db.engine) as session:
        prev = GENESIS
        for row in session.scalars(select(AuditEventRow).order_by(AuditEventRow.seq)):
            row.key_id, row.prev_hash = None, prev
            row.details = {**row.details, "rewritten": True}
            session.flush()
            session.refresh(row)
            row.hash = prev = event_hash(row, prev)
        session.commit()
    problems = _problems(keyed)
    assert any("event 3 differs from the checkpoint" in p for p in problems)


def test_checkpoint_lines_are_signed(
    keyed: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _record(keyed, 2)
    with caplog.at_level(logging.INFO, logger="safeguarding.audit.checkpoint"):
        keyed.write_checkpoint()
    assert "audit checkpoint" in caplog.text  # also in the log, outside the database
    path = keyed.audit.checkpoint_file
    assert path is not None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    record = json.loads(path.read_text().splitlines()[0])
    assert record["seq"] == 2 and record["key"] == (keyed.audit.key.id if keyed.audit.key else "")
    # anyone with the public half checks the lines; a forged line is called out
    public = public_key_from_hex(keyed.audit.key.public_hex if keyed.audit.key else "")
    good, bad = read_checkpoints(path, public)
    assert len(good) == 1 and bad == []
    forged = dict(record, seq=99)
    with path.open("a") as f:
        f.write(json.dumps(forged) + "\nnot json\n")
    problems = _problems(keyed)
    assert any("line 2" in p and "not signed by the audit key" in p for p in problems)
    assert any("line 3" in p and "not a checkpoint" in p for p in problems)
    assert not any("recorded event 99" in p for p in problems)  # a forged line proves nothing


def test_keyed_events_cannot_be_checked_without_the_key(keyed: Engine, db_url: str) -> None:
    _record(keyed, 2)
    plain = Engine(Settings(database_url=db_url, index_refresh_seconds=0.2))
    try:
        assert any("2 events are keyed but no audit key was given" in p for p in _problems(plain))
    finally:
        plain.close()


def test_another_key_is_told_apart(keyed: Engine, db_url: str, tmp_path: Path) -> None:
    _record(keyed, 1)
    other = tmp_path / "other.pem"
    AuditKey.generate(other)
    engine = Engine(Settings(database_url=db_url, audit_key_file=str(other)))
    try:
        assert any("names another audit key" in p for p in _problems(engine))
    finally:
        engine.close()


def test_the_worker_writes_checkpoints_on_its_period(keyed: Engine) -> None:
    _record(keyed, 2)
    worker = keyed.worker()
    assert [job.name for job in worker.jobs] == [
        "audit checkpoint",
        "self-report poisoning check",
        "self-report retention",
    ]
    worker.run_once()
    path = keyed.audit.checkpoint_file
    assert path is not None and len(path.read_text().splitlines()) == 1
    _record(keyed, 1)
    worker.run_once()  # not due yet (every 300 s by default)
    assert len(path.read_text().splitlines()) == 1
    worker.jobs[0].last = -1e9
    worker.run_once()
    assert len(path.read_text().splitlines()) == 2


def test_keygen_never_overwrites_and_bad_key_files_are_clear(
    tmp_path: Path, sqlite_url: str
) -> None:
    runner = CliRunner()
    path = tmp_path / "audit.pem"
    made = runner.invoke(app, ["audit", "keygen", str(path)])
    assert made.exit_code == 0 and "public key: " in made.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_bytes()
    again = runner.invoke(app, ["audit", "keygen", str(path)])
    assert again.exit_code == 2 and "never overwritten" in again.output
    assert path.read_bytes() == before
    with pytest.raises(AuditKeyError, match="cannot read"):
        AuditKey.load(tmp_path / "missing.pem")
    (tmp_path / "junk.pem").write_text("not a key")
    with pytest.raises(AuditKeyError, match="not an unencrypted PEM private key"):
        AuditKey.load(tmp_path / "junk.pem")
    (tmp_path / "ed448.pem").write_bytes(
        Ed448PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(AuditKeyError, match="must be Ed25519"):
        AuditKey.load(tmp_path / "ed448.pem")
    refused = runner.invoke(
        app,
        ["--db", sqlite_url, "audit", "verify"],
        env={"SAFEGUARDING_AUDIT_KEY_FILE": str(tmp_path / "junk.pem")},
    )
    assert refused.exit_code == 2 and "not an unencrypted PEM private key" in refused.output
    with pytest.raises(ValueError, match="needs audit_key_file"):
        Settings(audit_checkpoint_file=str(tmp_path / "c.jsonl"))


def test_cli_checkpoint_then_verify_catches_a_cut_tail(keyed: Engine, key_file: Path) -> None:
    _record(keyed, 3)
    env = {
        "SAFEGUARDING_AUDIT_KEY_FILE": str(key_file),
        "SAFEGUARDING_AUDIT_CHECKPOINT_FILE": str(keyed.audit.checkpoint_file),
    }
    runner = CliRunner()
    db = ["--db", keyed.settings.database_url]
    made = runner.invoke(app, [*db, "audit", "checkpoint"], env=env)
    assert made.exit_code == 0 and "checkpoint at event 3" in made.output
    ok = runner.invoke(app, [*db, "audit", "verify"], env=env)
    assert ok.exit_code == 0 and "intact: 3 events" in ok.output
    with keyed.db.engine.begin() as conn:
        conn.execute(delete(AuditEventRow).where(AuditEventRow.seq == 3))
    cut = runner.invoke(app, [*db, "audit", "verify"], env=env)
    assert cut.exit_code == 2 and "events were deleted" in cut.output
    unconfigured = runner.invoke(app, [*db, "audit", "checkpoint"])
    assert unconfigured.exit_code == 2 and "AUDIT_KEY_FILE" in unconfigured.output
