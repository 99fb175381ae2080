"""The hotline's side of a self-report: the case it is reviewed in (cases/, the `hotline`
queue, worked by the `hotline` role with the review workspace's leases), and what each of
the hotline's decisions does to the report and its hashes.

The report's hashes move between banks with its status (selfreport/lists.py): waiting
(review) until the hotline approves them into the approved bank (block, published as a
feed), out on a rejection or withdrawal, and into the held bank (off) when the poisoning
check holds the report (selfreport/poisoning.py).

The decisions are the case's (cases/model.py), worded for the hotline:
confirm = approve for blocking, needs_info = ask the young person to use the hotline's
upload route (through their status page), false_positive = reject; a held report can be
approved or rejected too (which releases the hold). Each is one transaction
with the case's decision, the report's new status, the bank changes and their audit events.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

from safeguarding.audit.events import Event
from safeguarding.audit.log import AuditLog
from safeguarding.auth.users import User
from safeguarding.cases.evidence import evidence_key
from safeguarding.cases.model import CaseKind, CaseRequest, Decision, Evidence, Priority, Subject
from safeguarding.cases.service import CaseService
from safeguarding.errors import ConflictError, NotFoundError
from safeguarding.matching.result import MatchResult
from safeguarding.selfreport.lists import ACTOR, Lists
from safeguarding.selfreport.model import DECIDABLE, CaseView, Status, Submission
from safeguarding.selfreport.store import SelfReportStore
from safeguarding.store.models import utcnow

#: the label of a hotline case the poisoning check held
HELD_LABEL = "held"
_STATUS = {
    Decision.CONFIRM: (Status.ACTIVE, Event.SELFREPORT_APPROVE),
    Decision.NEEDS_INFO: (Status.UPLOAD_REQUESTED, Event.SELFREPORT_UPLOAD_REQUESTED),
    Decision.FALSE_POSITIVE: (Status.REJECTED, Event.SELFREPORT_REJECT),
}


def subject(report_id: int) -> Subject:
    """What a hotline case is about: the report, by its number here (never the case
    number its owner holds)."""
    return Subject(content_id=f"self-report:{report_id}")


def held_evidence(report_id: int, why: str, details: dict[str, object]) -> Evidence:
    """Why the poisoning check held the report, for the hotline to read."""
    return Evidence("held", {"why": why, **details}, key=evidence_key("held", report_id, why))


class Hotline:
    def __init__(
        self,
        lists: Lists,
        audit: AuditLog,
        cases: CaseService,
        *,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.lists = lists
        self.audit = audit
        self.cases = cases
        self.store = SelfReportStore()
        self.on_change = on_change

    # --- the case ----------------------------------------------------------------------
    def open_case(
        self,
        session: Session,
        report: CaseView,
        submission: Submission,
        found: MatchResult,
        held: str | None = None,
    ) -> int:
        """The report's case in the hotline queue: its hashes (never an image: there is
        none), the category, and what they matched in other banks when it came in."""
        files = []
        for signals in submission.files:
            by_type = {s.type: s.value for s in signals if s.type in ("md5", "sha256")}
            vpdq = next((s.value for s in signals if s.type == "vpdq"), None)
            files.append(
                {
                    **by_type,
                    "pdq": [
                        {"view": s.view, "hash": s.value, "quality": s.quality}
                        for s in signals
                        if s.type == "pdq"
                    ],
                    **({"vpdq_frames": len(vpdq.splitlines())} if vpdq else {}),
                }
            )
        evidence = [
            Evidence(
                "self_report",
                {"report": report.case_id, "category": report.category.value, "files": files},
                key=evidence_key("self_report", report.case_id),
            ),
            *(
                Evidence(
                    "match",
                    m.as_dict(),
                    key=evidence_key("match", m.bank, m.entry_id, f"self-report:{report.case_id}"),
                )
                for m in found.matches
            ),
            *([held_evidence(report.case_id, held, {})] if held else []),
        ]
        listed = sorted({m.bank for m in found.matches})
        summary = (
            f"Self-report of {report.files} file{'s' if report.files != 1 else ''} "
            f"({report.category.value})" + (f", matching {', '.join(listed)}" if listed else "")
        )
        request = CaseRequest(
            CaseKind.SELF_REPORT,
            Priority.HIGH if held else Priority.NORMAL,
            subject(report.case_id),
            summary + (f". Held: {held}" if held else ""),
            evidence,
            [f"self-report:{report.category.value}", *([HELD_LABEL] if held else [])],
        )
        row, _ = self.cases.open_in(session, request, ACTOR)
        self.store.set_review_case(session, report.case_id, row.id)
        return row.id

    def decided(
        self, session: Session, case_id: int, decision: Decision, reason: str, user: User
    ) -> None:
        """A hotline decision on the report's case (Consequences.on_decision), inside the
        case's transaction."""
        report = self.store.for_review_case(session, case_id)
        if report is None:
            raise NotFoundError(f"case {case_id} is about no self-report")
        if report.status not in DECIDABLE:
            raise ConflictError(f"the self-report is {report.status.value.replace('_', ' ')}")
        status, audited = _STATUS[decision]
        if report.status is Status.HELD and decision is Decision.NEEDS_INFO:
            status = Status.HELD  # still held: its hashes stay off until approved
        changed: dict[str, int] = {}
        if decision is Decision.CONFIRM:
            changed = {"approved": self.lists.move(session, report.case_id, report.status, status)}
        elif decision is Decision.FALSE_POSITIVE:
            changed = {"removed": self.lists.leave(session, report.case_id, report.status)}
            self.store.forget_hashes(session, report.case_id)
        self.store.set_status(session, report.case_id, status, utcnow())
        self.audit.record(
            session,
            user.actor,
            audited,
            f"self-report:{report.case_id}",
            case=case_id,
            reason=reason,
            **changed,
        )
        if changed:
            event.listen(session, "after_commit", lambda _: self.on_change(), once=True)

    def hold(
        self, session: Session, report: CaseView, why: str, details: dict[str, object]
    ) -> None:
        """The poisoning check holds the report: its hashes move to the held bank (off:
        matched nowhere; out of the approved bank's feed, as tombstones, if it was
        approved), and its case waits in the hotline queue again, labelled held."""
        moved = self.lists.move(session, report.case_id, report.status, Status.HELD)
        self.store.set_status(session, report.case_id, Status.HELD, utcnow())
        request = CaseRequest(
            CaseKind.SELF_REPORT,
            Priority.HIGH,
            subject(report.case_id),
            f"Self-report held: {why}",
            [held_evidence(report.case_id, why, details)],
            [HELD_LABEL],
        )
        # joins the open case (a new label: a reviewer's open form is stale), or opens a
        # new one when the report was decided already
        row, _ = self.cases.open_in(session, request, ACTOR)
        self.store.set_review_case(session, report.case_id, row.id)
        self.audit.record(
            session,
            ACTOR,
            Event.SELFREPORT_HOLD,
            f"self-report:{report.case_id}",
            case=row.id,
            why=why,
            was=report.status.value,
            moved=moved,
            **details,
        )
        event.listen(session, "after_commit", lambda _: self.on_change(), once=True)
