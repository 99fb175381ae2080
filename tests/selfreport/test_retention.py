"""Retention of closed self-reports on SQLite and PostgreSQL, with an injected clock: a
report withdrawn or not taken further keeps its hashes `self_report_retention_days` after
closing, then the purge (the worker's job, `cases purge`) deletes them from its hotline
case and the banks' change log, keeping the case number, status and dates; the status page
says so. Open and approved reports are never touched."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from safeguarding.auth.users import User
from safeguarding.banks.tables import BankChangeRow
from safeguarding.cases.model import Decision
from safeguarding.engine import Engine
from safeguarding.selfreport import Status
from safeguarding.store.models import utcnow
from tests.selfreport.conftest import self_report_engine, staff_of
from tests.selfreport.test_hotline import ADDRESS, decide, events, status, submit
from tests.selfreport.test_service import PDQ


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def engine(db_url: str, clock: Clock) -> Iterator[Engine]:
    instance = self_report_engine(db_url, self_report_retention_days=30)
    instance.self_reports.clock = clock
    yield instance
    instance.close()


def removed_values(engine: Engine) -> list[str]:
    """The values the change log still keeps of entries removed from a bank."""
    with engine.db.read() as session:
        return [
            v or ""
            for v in session.scalars(
                select(BankChangeRow.value).where(
                    BankChangeRow.op == "remove", BankChangeRow.value.is_not(None)
                )
            )
        ]


def evidence_of(engine: Engine, review_case: int | None) -> str:
    return " ".join(str(e.data) for e in engine.cases.get(review_case or 0).evidence)


def test_a_closed_report_keeps_its_hashes_for_the_retention_then_only_its_record(
    engine: Engine, clock: Clock
) -> None:
    hotline: User = staff_of(engine)["hotline"]
    withdrawn, rejected, approved = (submit(engine, n) for n in (1, 2, 3))
    engine.self_reports.withdraw(withdrawn.case_number, withdrawn.pin, ADDRESS)
    decide(
        engine, hotline, status(engine, rejected).review_case or 0, Decision.FALSE_POSITIVE, "no"
    )
    decide(engine, hotline, status(engine, approved).review_case or 0, Decision.CONFIRM, "yes")
    closed = [withdrawn, rejected]
    assert all(PDQ in evidence_of(engine, status(engine, r).review_case) for r in closed)
    assert removed_values(engine)  # tombstones name what left the banks

    clock.now += timedelta(days=29)  # within the retention: nothing goes
    assert engine.self_reports.purge() == (0, 0)
    shown = status(engine, withdrawn)
    assert (shown.status, shown.purged) == (Status.WITHDRAWN, False)

    clock.now += timedelta(days=2)
    evidence, values = engine.self_reports.purge()
    assert evidence > 0 and values > 0
    assert engine.self_reports.purge() == (0, 0)  # nothing left: a second run does nothing
    assert removed_values(engine) == []
    for receipt, was in ((withdrawn, Status.WITHDRAWN), (rejected, Status.REJECTED)):
        shown = status(engine, receipt)  # the case number and PIN still work
        assert (shown.status, shown.purged, shown.files) == (was, True, 1)
        case = engine.cases.get(shown.review_case or 0)  # the case stays, without evidence
        assert case.evidence == [] and case.status.value not in ("new", "in_review")
    # the approved report is open: its case and bank entries keep its hashes
    active = status(engine, approved)
    assert (active.status, active.purged) == (Status.ACTIVE, False)
    assert PDQ in evidence_of(engine, active.review_case)
    assert engine.banks.get_bank("self-report-approved").entry_count == 4
    (purged,) = events(engine, "selfreport.purge")
    assert (purged["evidence"], purged["log_values"]) == (evidence, values)
