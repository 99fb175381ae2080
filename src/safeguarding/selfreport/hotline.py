"""The hotline's side of a self-report: the case it is reviewed in (cases/, the `hotline`
queue, worked by the `hotline` role with the review workspace's leases), and what each of
the hotline's decisions does to the report and its hashes.

Two banks hold self-reported hashes:

- `self_report_bank` (`self-report`, action `review`): every report's hashes while they
  wait for the hotline. A match opens a case for a person, never a block, so a hostile
  submission of someone else's innocent photo cannot take it down unseen.
- `self_report_approved_bank` (`self-report-approved`, action `block`): the hashes the
  hotline approved. This is the bank an operator publishes as a feed (docs/exchanges.md):
  subscribers get an add when the hotline approves, and a removal (a tombstone) when the
  report is withdrawn or taken back.

A value two reports share stays in a bank while any report that keeps it there does.

The decisions are the case's (cases/model.py), worded for the hotline:
confirm = approve for blocking, needs_info = ask the young person to use the hotline's
upload route (through their status page), false_positive = reject. Each is one transaction
with the case's decision, the report's new status, the bank changes and their audit events.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

from safeguarding.audit.events import Event
from safeguarding.audit.log import AuditLog
from safeguarding.auth.users import User
from safeguarding.banks.model import Action, BankSource, NewEntry
from safeguarding.banks.policy import BankPolicy
from safeguarding.banks.store import BankStore
from safeguarding.cases.evidence import evidence_key
from safeguarding.cases.model import CaseKind, CaseRequest, Decision, Evidence, Priority, Subject
from safeguarding.cases.service import CaseService
from safeguarding.errors import ConflictError, NotFoundError
from safeguarding.matching.result import MatchResult
from safeguarding.selfreport.model import PENDING, CaseView, Status, Submission
from safeguarding.selfreport.store import SelfReportStore
from safeguarding.store.models import utcnow

ACTOR = "self-report"
_STATUS = {
    Decision.CONFIRM: (Status.ACTIVE, Event.SELFREPORT_APPROVE),
    Decision.NEEDS_INFO: (Status.UPLOAD_REQUESTED, Event.SELFREPORT_UPLOAD_REQUESTED),
    Decision.FALSE_POSITIVE: (Status.REJECTED, Event.SELFREPORT_REJECT),
}


def subject(report_id: int) -> Subject:
    """What a hotline case is about: the report, by its number here (never the case
    number its owner holds)."""
    return Subject(content_id=f"self-report:{report_id}")


class Hotline:
    def __init__(
        self,
        banks: BankStore,
        audit: AuditLog,
        cases: CaseService,
        *,
        received_bank: str,
        approved_bank: str,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.banks = banks
        self.audit = audit
        self.cases = cases
        self.store = SelfReportStore()
        self.received_bank = received_bank
        self.approved_bank = approved_bank
        self.on_change = on_change

    # --- the banks ---------------------------------------------------------------------
    def ensure_banks(self, session: Session) -> None:
        self._ensure(
            session,
            self.received_bank,
            Action.REVIEW,
            "Hashes young people reported through the self-report portal "
            "(/report-remove), waiting for the hotline: a match is reviewed, never blocked.",
        )
        self._ensure(
            session,
            self.approved_bank,
            Action.BLOCK,
            "Self-reported hashes the hotline approved for blocking: publish this bank as "
            "a feed to the platforms that take self-reports.",
        )

    def _ensure(self, session: Session, name: str, action: Action, description: str) -> None:
        try:
            self.banks.get(session, name)
        except NotFoundError:
            policy = BankPolicy.of(action)
            self.banks.create(
                session,
                name=name,
                source=BankSource.SELF_REPORT,
                policy=policy,
                labels=[],
                created_by=ACTOR,
                description=description,
            )
            self.audit.record(
                session,
                ACTOR,
                Event.BANK_CREATE,
                f"bank:{name}",
                source=BankSource.SELF_REPORT.value,
                policy={"action": policy.action.value},
            )

    # --- the case ----------------------------------------------------------------------
    def open_case(
        self, session: Session, report: CaseView, submission: Submission, found: MatchResult
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
        ]
        listed = sorted({m.bank for m in found.matches})
        summary = (
            f"Self-report of {report.files} file{'s' if report.files != 1 else ''} "
            f"({report.category.value})" + (f", matching {', '.join(listed)}" if listed else "")
        )
        request = CaseRequest(
            CaseKind.SELF_REPORT,
            Priority.NORMAL,
            subject(report.case_id),
            summary,
            evidence,
            [f"self-report:{report.category.value}"],
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
        if report.status not in PENDING:
            raise ConflictError(f"the self-report is {report.status.value.replace('_', ' ')}")
        status, audited = _STATUS[decision]
        changed: dict[str, int] = {}
        if decision is Decision.CONFIRM:
            changed = {"approved": self._approve(session, report)}
        elif decision is Decision.FALSE_POSITIVE:
            changed = {"removed": self.leave(session, report)}
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

    def _approve(self, session: Session, report: CaseView) -> int:
        """The report's hashes into the approved bank (published), out of the waiting one
        (unless another waiting report holds them)."""
        digests = self.store.digests(session, report.case_id)
        entries = self.banks.entries_with_digests(session, self.received_bank, digests)
        added, _ = self.banks.add_entries(
            session,
            self.approved_bank,
            [
                NewEntry(
                    e.signal_type,
                    e.value,
                    e.quality,
                    e.labels,
                    e.metadata,
                    f"self-report:{report.case_id}",
                )
                for e in entries
            ],
            ACTOR,
        )
        self.banks.remove_digests(
            session, self.received_bank, self.store.alone(session, report.case_id, PENDING)
        )
        return added

    def leave(self, session: Session, report: CaseView) -> int:
        """The report's hashes leave the bank its status keeps them in (values another
        report there holds stay); how many entries left. The caller changes the status."""
        among: tuple[Status, ...]
        if report.status is Status.ACTIVE:
            bank, among = self.approved_bank, (Status.ACTIVE,)
        elif report.status in PENDING:
            bank, among = self.received_bank, PENDING
        else:
            return 0
        return self.banks.remove_digests(
            session, bank, self.store.alone(session, report.case_id, among)
        )
