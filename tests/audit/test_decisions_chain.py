"""A long mixed run of review decisions, then `safeguarding audit verify` on the untouched
database: every decision's events are in the chain, none outside it (issue 11, point 1:
confirming once the `confirmed` bank existed rolled back a savepoint and dropped them)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from safeguarding.audit.tables import AuditEventRow
from safeguarding.cases import intake
from safeguarding.cases.model import Subject
from safeguarding.cli.main import app
from safeguarding.demo import generated_image
from safeguarding.engine import Engine
from tests.fakes.setup import Fakes, bank_of, response_engine, users

RUN = 36
#: one image per matched case: a false positive puts its hashes on the do-not-match list
IMAGES = [generated_image(i, (256, 192)) for i in range(RUN // 3)]


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    instance = response_engine(db_url, Fakes(), webhook_url="http://127.0.0.1:9/hooks")
    yield instance
    instance.close()


def _hashes(i: int) -> dict[str, str]:
    seed = f"content-{i}".encode()
    return {
        "md5": hashlib.md5(seed).hexdigest(),  # noqa: S324 (a test value)
        "sha256": hashlib.sha256(seed).hexdigest(),
        "pdq": hashlib.sha256(seed + b"pdq").hexdigest(),
    }


def _open(engine: Engine, i: int) -> int:
    """Every third case comes from a real match, the others from user reports with hashes."""
    if i % 3 == 0:
        data = IMAGES[i // 3]
        hashes, result = engine.match_bytes(data)
        opened = engine.open_match_case(result, hashes.primary(), Subject(f"post-{i}"))
        assert opened is not None
    else:
        opened = engine.cases.open(
            intake.from_user_report(
                "csam", "reported by a user", Subject(f"post-{i}", f"acct-{i}"), query=_hashes(i)
            ),
            "key:test",
        )
    return opened.case.id


def _count(engine: Engine, action: str) -> int:
    with engine.db.read() as session:
        return int(session.scalar(select(func.count()).where(AuditEventRow.action == action)) or 0)


def test_a_long_mixed_run_of_decisions_leaves_a_verifiable_chain(engine: Engine) -> None:
    reviewer, senior, admin = users(engine)
    bank_of(engine, IMAGES)
    decisions = 0
    for i in range(RUN):
        if i == RUN // 2:  # the confirmed bank goes away: the next confirm creates it again
            engine.banks.delete_bank(engine.settings.confirmed_bank, admin.actor)
        case_id = _open(engine, i)
        version = engine.cases.get(case_id).version
        kind = ("confirm", "false_positive", "escalate", "confirm")[i % 4]
        if kind == "escalate":
            case = engine.cases.decide(case_id, reviewer, "escalate", "not sure", version=version)
            decisions += 1
            kind, version = ("confirm" if i % 8 < 4 else "false_positive"), case.version
            who = senior
        else:
            who = reviewer
        engine.cases.decide(
            case_id,
            who,
            kind,
            f"decision {i}",
            version=version,
            classification="B2" if kind == "confirm" else None,
        )
        decisions += 1
    assert _count(engine, "case.decide") == decisions
    assert _count(engine, "bank.add") >= 18  # confirms after the bank existed kept theirs
    result = CliRunner().invoke(app, ["--db", engine.settings.database_url, "audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output
    with engine.db.read() as session:
        outside = session.scalar(select(func.count()).where(AuditEventRow.seq.is_(None)))
    assert outside == 0
