"""The hotline's queue on SQLite and PostgreSQL: a self-report opens a case only the hotline
role works, the hotline approves, asks for the upload route or rejects (each audited, each
moving the hashes between the waiting and the approved bank), withdrawal and rejection take
them out, and the status counts the platform's own matches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from safeguarding.audit.tables import AuditEventRow
from safeguarding.auth.users import User
from safeguarding.banks.model import Action, BankSource, NewEntry
from safeguarding.banks.policy import BankPolicy
from safeguarding.cases.model import CaseKind, Decision, Status, Subject
from safeguarding.engine import Engine
from safeguarding.errors import ConflictError, ForbiddenError, InvalidInputError
from safeguarding.matching.matcher import QuerySignal
from safeguarding.selfreport import Status as ReportStatus
from safeguarding.selfreport.model import Receipt
from tests.selfreport.conftest import self_report_engine, staff_of
from tests.selfreport.test_service import OTHER_PDQ, PDQ, body

ADDRESS = "10.0.0.9"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    instance = self_report_engine(db_url)
    yield instance
    instance.close()


@pytest.fixture
def staff(engine: Engine) -> dict[str, User]:
    return staff_of(engine)


def submit(engine: Engine, n: int = 1, **extra: Any) -> Receipt:
    return engine.self_reports.submit(body(n, **extra), ADDRESS)


def values(engine: Engine, bank: str) -> set[str]:
    with engine.db.read() as session:
        return {e.value for e in engine.banks.store.iter_entries(session, bank)}


def matched(engine: Engine, bank: str, value: str = PDQ) -> bool:
    engine.matcher.refresh()
    result = engine.match_signals([QuerySignal("pdq", value)])
    return any(m.bank == bank for m in result.matches)


def status(engine: Engine, receipt: Receipt) -> Any:
    return engine.self_reports.status(receipt.case_number, receipt.pin, ADDRESS)


def events(engine: Engine, name: str) -> list[dict[str, Any]]:
    with engine.db.read() as session:
        rows = session.scalars(select(AuditEventRow).where(AuditEventRow.action == name))
        return [{"actor": r.actor, "target": r.target, **r.details} for r in rows]


def decide(engine: Engine, user: User, case_id: int, decision: Decision, reason: str) -> None:
    engine.cases.leases.claim(case_id, user)
    case = engine.cases.get(case_id)
    engine.cases.decide(case_id, user, decision, reason, version=case.version)


def test_a_self_report_waits_in_the_hotline_queue_with_its_hashes_and_matches(
    engine: Engine, staff: dict[str, User]
) -> None:
    with engine.db.write() as session:
        engine.banks.store.create(
            session,
            name="partner",
            source=BankSource.LOCAL,
            policy=BankPolicy(),
            labels=[],
            created_by="test",
            description="",
        )
        engine.banks.store.add_entries(
            session, "partner", [NewEntry("pdq", PDQ, 90, ["x"], {}, None)], "test"
        )
    engine.matcher.mark_dirty()
    receipt = submit(engine)
    view = status(engine, receipt)
    assert view.status is ReportStatus.RECEIVED and view.review_case is not None
    case = engine.cases.get(view.review_case)
    assert case.kind is CaseKind.SELF_REPORT and case.status is Status.NEW
    sent = next(e for e in case.evidence if e.kind == "self_report")
    assert sent.data["category"] == "nude"
    assert sent.data["files"][0]["pdq"][0] == {"view": None, "hash": PDQ, "quality": 90}
    assert sent.data["files"][0]["md5"] == f"{1:032x}"
    # what it matched in other banks when it came in; the case holds no image
    assert [e.data["bank"] for e in case.evidence if e.kind == "match"] == ["partner"]
    assert case.previews == []
    assert case.subject.content_id == f"self-report:{receipt.case_id}"

    # only the hotline (and an admin) work it: not reviewers, not seniors
    for role in ("reviewer", "senior"):
        with pytest.raises(ForbiddenError):
            engine.cases.leases.claim(case.id, staff[role])
        with pytest.raises(ForbiddenError):
            engine.cases.review(case.id, staff[role])
        with pytest.raises(ForbiddenError):
            engine.cases.start("hotline", staff[role])
        assert engine.cases.leases.next(staff[role], kinds=[CaseKind.MATCH]) is None
    counts = {q.queue.name: q.waiting for q in engine.cases.queues(staff["hotline"])}
    assert counts["hotline"] == 1 and "escalated" not in counts
    lease = engine.cases.start("hotline", staff["hotline"])
    assert lease is not None and lease.case_id == case.id
    # held by the hotline: the young person sees it being checked
    assert status(engine, receipt).status is ReportStatus.IN_REVIEW
    with pytest.raises(InvalidInputError, match="hotline decides"):
        engine.cases.decide(
            case.id, staff["hotline"], Decision.ESCALATE, "why", version=case.version + 1
        )


def test_approving_moves_the_hashes_to_the_approved_bank_that_blocks(
    engine: Engine, staff: dict[str, User]
) -> None:
    receipt = submit(engine)
    view = status(engine, receipt)
    assert matched(engine, "self-report") and not matched(engine, "self-report-approved")
    decide(engine, staff["hotline"], view.review_case, Decision.CONFIRM, "her own photo")
    after = status(engine, receipt)
    assert after.status is ReportStatus.ACTIVE
    assert PDQ in values(engine, "self-report-approved")
    assert values(engine, "self-report") == set()
    assert matched(engine, "self-report-approved") and not matched(engine, "self-report")
    with engine.db.read() as session:
        bank = engine.banks.store.get(session, "self-report-approved")
    assert (bank.source, bank.policy.action) == ("self_report", Action.BLOCK)
    assert engine.cases.get(view.review_case).status in (Status.ACTIONED, Status.CLOSED)
    [approved] = events(engine, "selfreport.approve")
    assert approved["actor"] == "user:hotline1" and approved["approved"] == 4
    assert approved["target"] == f"self-report:{receipt.case_id}"

    # an upload matching it is blocked here: the status page counts it
    engine.matcher.refresh()
    result = engine.match_signals([QuerySignal("pdq", PDQ)])
    assert result.action is Action.BLOCK
    opened = engine.open_match_case(result, {"pdq": PDQ}, Subject(content_id="upload-1"))
    assert opened is not None
    reach = status(engine, receipt).reach
    assert (reach.matched, reach.removed, reach.platforms) == (1, 1, 1)

    # withdrawn: it leaves the approved bank (a tombstone in its feed) and stops matching
    withdrawn = engine.self_reports.withdraw(receipt.case_number, receipt.pin, ADDRESS)
    assert withdrawn.status is ReportStatus.WITHDRAWN
    assert values(engine, "self-report-approved") == set()
    assert not matched(engine, "self-report-approved")
    with engine.db.read() as session:
        removals = [
            c
            for c in engine.banks.store.changes_with_values(session, 0, 1000)
            if c.op == "remove" and c.value == PDQ
        ]
    assert len(removals) == 2  # once from the waiting bank, once from the approved one


def test_rejecting_takes_the_hashes_out_but_not_a_value_another_report_holds(
    engine: Engine, staff: dict[str, User]
) -> None:
    first, second = submit(engine, 1), submit(engine, 2, pdq=PDQ)
    decide(
        engine, staff["hotline"], status(engine, first).review_case, Decision.FALSE_POSITIVE, "no"
    )
    assert status(engine, first).status is ReportStatus.REJECTED
    left = values(engine, "self-report")
    assert PDQ in left and OTHER_PDQ in left  # the second report holds both
    assert f"{1:032x}" not in left and f"{2:032x}" in left
    assert [e["removed"] for e in events(engine, "selfreport.reject")] == [2]
    assert status(engine, second).status is ReportStatus.RECEIVED


def test_asking_for_the_upload_route_keeps_the_case_open_then_it_can_be_approved(
    engine: Engine, staff: dict[str, User]
) -> None:
    receipt = submit(engine)
    case_id = status(engine, receipt).review_case
    decide(engine, staff["hotline"], case_id, Decision.NEEDS_INFO, "needs grading")
    assert status(engine, receipt).status is ReportStatus.UPLOAD_REQUESTED
    assert engine.cases.get(case_id).status is Status.IN_REVIEW
    assert PDQ in values(engine, "self-report")
    assert events(engine, "selfreport.upload_requested")[0]["reason"] == "needs grading"
    decide(engine, staff["admin"], case_id, Decision.CONFIRM, "graded")
    assert status(engine, receipt).status is ReportStatus.ACTIVE


def test_withdrawing_closes_the_hotline_case_and_it_cannot_be_approved_after(
    engine: Engine, staff: dict[str, User]
) -> None:
    receipt = submit(engine)
    case_id = status(engine, receipt).review_case
    engine.cases.leases.claim(case_id, staff["hotline"])
    version = engine.cases.get(case_id).version
    engine.self_reports.withdraw(receipt.case_number, receipt.pin, ADDRESS)
    assert engine.cases.get(case_id).status is Status.CLOSED
    assert values(engine, "self-report") == set()
    with pytest.raises(ConflictError):
        engine.cases.decide(case_id, staff["hotline"], Decision.CONFIRM, "late", version=version)
    assert values(engine, "self-report-approved") == set()
    assert events(engine, "case.closed")[0]["why"] == "withdrawn by its owner"
