"""The audit chain: intact after many writers, and every kind of tampering detected."""

from __future__ import annotations

import threading

from sqlalchemy import text
from typer.testing import CliRunner

from safeguarding.cli.main import app
from safeguarding.engine import Engine


def _record(engine: Engine, n: int, actor: str = "t") -> None:
    for i in range(n):
        with engine.db.write() as session:
            engine.audit.record(session, actor, "test.event", f"item:{i}", n=i)


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
            engine.audit.record(session, "t", "doomed")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    _record(engine, 1)
    assert _verify(engine) == []


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
    cut = runner.invoke(app, ["--db", engine.settings.database_url, "audit", "verify",
                              "--expect-head", head])
    assert cut.exit_code == 2 and "not in the chain" in cut.output
    with engine.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET details = '{\"n\": 7}' WHERE seq = 1"))
    broken = runner.invoke(app, ["--db", engine.settings.database_url, "audit", "verify"])
    assert broken.exit_code == 2 and "altered" in broken.output
