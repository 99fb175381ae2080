"""The audit chain: intact after many writers, and every kind of tampering detected."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from safeguarding.audit.events import Event
from safeguarding.audit.tables import AuditEventRow
from safeguarding.cli.main import app
from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.store.db import Database, alembic_config


def _record(engine: Engine, n: int, actor: str = "t") -> None:
    for i in range(n):
        with engine.db.write() as session:
            engine.audit.record(session, actor, Event.CASE_VIEW, f"item:{i}", n=i)


def _verify(engine: Engine) -> list[str]:
    with engine.db.read() as session:
        return engine.audit.verify(session).problems


def test_concurrent_writers_keep_one_unbroken_chain(engine: Engine) -> None:
    threads = [threading.Thread(target=_record, args=(engine, 15, f"w{i}")) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with engine.db.read() as session:
        report = engine.audit.verify(session)
    assert report.ok and report.events == 60


def test_a_rolled_back_transaction_leaves_no_event(engine: Engine) -> None:
    try:
        with engine.db.write() as session:
            engine.audit.record(session, "t", Event.CASE_VIEW, "doomed")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    _record(engine, 1)
    assert _verify(engine) == []


def _targets(engine: Engine) -> list[str]:
    with engine.db.read() as session:
        return list(session.scalars(select(AuditEventRow.target).order_by(AuditEventRow.seq)))


def test_events_survive_savepoints_and_only_a_rolled_back_savepoints_own_go(engine: Engine) -> None:
    with engine.db.write() as session:
        engine.audit.record(session, "t", Event.CASE_VIEW, "outer.before")
        with session.begin_nested():
            engine.audit.record(session, "t", Event.CASE_VIEW, "savepoint.kept")
            try:
                with session.begin_nested():
                    engine.audit.record(session, "t", Event.CASE_VIEW, "inner.doomed")
                    raise RuntimeError("inner savepoint rolls back")
            except RuntimeError:
                pass
            engine.audit.record(session, "t", Event.CASE_VIEW, "savepoint.after_inner")
        try:
            with session.begin_nested():
                engine.audit.record(session, "t", Event.CASE_VIEW, "second.doomed")
                raise RuntimeError("second savepoint rolls back")
        except RuntimeError:
            pass
        engine.audit.record(session, "t", Event.CASE_VIEW, "outer.after")
    assert _targets(engine) == [
        "outer.before",
        "savepoint.kept",
        "savepoint.after_inner",
        "outer.after",
    ]
    assert _verify(engine) == []
    with engine.db.read() as session:
        assert session.scalar(select(AuditEventRow.id).where(AuditEventRow.seq.is_(None))) is None


def test_the_chain_hooks_leave_other_sessions_alone(engine: Engine) -> None:
    """A plain SQLAlchemy session (an application embedding the library) is not ours: its
    commit takes no chain lock, and it cannot hold audit events that would never chain."""
    _record(engine, 1)
    other = create_engine(engine.settings.database_url)
    try:
        with Session(other) as session:
            session.add(AuditEventRow(actor="x", action="foreign", target="", details={}))
            session.commit()
            with pytest.raises(TypeError, match="project's sessions"):
                engine.audit.record(session, "x", Event.CASE_VIEW, "foreign")
    finally:
        other.dispose()
    with engine.db.read() as session:
        foreign = session.scalars(
            select(AuditEventRow).where(AuditEventRow.action == "foreign")
        ).one()
    assert foreign.seq is None  # not chained by our hook: verify calls it out
    assert any("outside the chain" in p for p in _verify(engine))


def test_altered_inserted_and_deleted_events_are_detected(engine: Engine) -> None:
    _record(engine, 5)
    with engine.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'someone else' WHERE seq = 2"))
    assert any("event 2" in p and "altered" in p for p in _verify(engine))
    with engine.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 't' WHERE seq = 2"))
        conn.execute(text("DELETE FROM audit_events WHERE seq = 3"))
    assert any("missing" in p for p in _verify(engine))


def test_cli_verify_passes_then_fails_and_catches_a_cut_tail(engine: Engine) -> None:
    _record(engine, 3)
    runner = CliRunner()
    ok = runner.invoke(app, ["--db", engine.settings.database_url, "audit", "verify"])
    assert ok.exit_code == 0 and "intact: 3 events" in ok.output
    head = ok.output.split("head ")[1].strip()
    with engine.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq = 3"))
    cut = runner.invoke(
        app, ["--db", engine.settings.database_url, "audit", "verify", "--expect-head", head]
    )
    assert cut.exit_code == 2 and "not in the chain" in cut.output
    with engine.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET details = '{\"n\": 7}' WHERE seq = 1"))
    broken = runner.invoke(app, ["--db", engine.settings.database_url, "audit", "verify"])
    assert broken.exit_code == 2 and "altered" in broken.output


def test_events_from_before_the_chain_join_it_when_migrated(tmp_path: Path) -> None:
    """Revision 0003 chains the events an older database already has; it reads the table
    with the columns it has then, not the model's newer ones (key_id)."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0002")
    old = create_engine(url)
    with old.begin() as conn:
        for i in range(3):
            conn.execute(
                text(
                    "INSERT INTO audit_events (at, actor, action, target, details) "
                    "VALUES ('2024-05-01 10:00:00.000000', 'old', 'bank.add', "
                    ":target, '{\"n\": 1}')"
                ),
                {"target": f"bank:{i}"},
            )
    old.dispose()
    database = Database(url)
    database.upgrade()  # what `safeguarding db upgrade` does
    database.dispose()
    engine = Engine(Settings(database_url=url))
    try:
        _record(engine, 1)
        with engine.db.read() as session:
            report = engine.audit.verify(session)
        assert report.ok and report.events == 4
    finally:
        engine.close()
