"""Report lifecycle: draft (on a confirmed case) -> approved (a senior reviewer) ->
submitting -> accepted, or rejected by the authority. Sending goes through the outbox, so
an approval is never lost; the authority's report id is stored the moment it is known, so a
retry after a crash finishes that report instead of filing a second one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguarding.audit.events import Event
from safeguarding.audit.log import AuditLog
from safeguarding.auth.users import Role, User
from safeguarding.cases import records
from safeguarding.cases.model import Case
from safeguarding.delivery.outbox import Delivery, enqueue
from safeguarding.errors import ConflictError, InvalidInputError, NotFoundError
from safeguarding.reporting import nca, ncmec
from safeguarding.reporting.clients import CyberTiplineClient, NcaClient, RejectedError
from safeguarding.reporting.document import Reporter, ReportFacts
from safeguarding.reporting.facts import gather
from safeguarding.reporting.model import FINAL, ReportStatus
from safeguarding.reporting.submission import CyberTiplineSubmission
from safeguarding.reporting.tables import ReportRow
from safeguarding.store.db import Database
from safeguarding.store.models import as_utc, utcnow

REPORT_CHANNEL = "report"
AUTHORITIES = ("ncmec", "nca")
#: the authority's answers, and the audit event each is recorded as
_OUTCOMES = {
    ReportStatus.ACCEPTED: Event.REPORT_ACCEPTED,
    ReportStatus.REJECTED: Event.REPORT_REJECTED,
}


class Clients(Protocol):
    def ncmec(self) -> CyberTiplineClient: ...
    def nca(self) -> NcaClient: ...


@dataclass(frozen=True)
class Report:
    id: int
    case_id: int
    authority: str
    status: ReportStatus
    document: str
    created_by: str
    created_at: datetime
    approved_by: str | None
    external_id: str | None
    last_error: str | None


def _report(row: ReportRow) -> Report:
    return Report(
        row.id,
        row.case_id,
        row.authority,
        ReportStatus(row.status),
        row.document,
        row.created_by,
        as_utc(row.created_at) or utcnow(),
        row.approved_by,
        row.external_id,
        row.last_error,
    )


class ReportService:
    def __init__(
        self,
        db: Database,
        audit: AuditLog,
        reporter: Reporter,
        authorities: list[str],
        clients: Callable[[], Clients],
        *,
        resume_window: timedelta = timedelta(minutes=45),
    ) -> None:
        unknown = set(authorities) - set(AUTHORITIES)
        if unknown:
            raise InvalidInputError("report_authorities", f"unknown: {sorted(unknown)}")
        self.db = db
        self.audit = audit
        self.reporter = reporter
        self.authorities = authorities
        self._clients = clients
        #: an unfinished CyberTipline report is carried on only this long after our last
        #: change to it (NCMEC deletes it an hour after), else a new one is opened
        self.resume_window = resume_window

    def facts(self, session: Session, case: Case, reviewer: str) -> ReportFacts:
        return gather(case, self.revealed(session, case.id), reviewer)

    def revealed(self, session: Session, case_id: int) -> set[int]:
        """The previews of a case a reviewer has seen unblurred, from the audit trail."""
        events = self.audit.recent(
            session, limit=100_000, action=Event.EVIDENCE_REVEAL, target=f"case:{case_id}"
        )
        return {
            int(e.details["preview"]) for e in events if isinstance(e.details.get("preview"), int)
        }

    def draft(self, session: Session, case: Case, user: User) -> list[int]:
        """A draft per configured authority, in the caller's transaction; their ids."""
        facts = self.facts(session, case, user.username)
        drafts = []
        for authority in self.authorities:
            builder = ncmec.build_report if authority == "ncmec" else nca.build_report
            report = ReportRow(
                case_id=case.id,
                authority=authority,
                status=ReportStatus.DRAFT,
                document=builder(facts, self.reporter),
                created_by=user.actor,
            )
            session.add(report)
            drafts.append(report)
        session.flush()
        for report in drafts:
            self.audit.record(
                session,
                user.actor,
                Event.REPORT_DRAFT,
                f"report:{report.id}",
                case=case.id,
                authority=report.authority,
            )
        return [report.id for report in drafts]

    def list(
        self, *, status: ReportStatus | None = None, case_id: int | None = None, limit: int = 200
    ) -> list[Report]:
        with self.db.read() as session:
            query = select(ReportRow).order_by(ReportRow.id.desc()).limit(limit)
            if status:
                query = query.where(ReportRow.status == status)
            if case_id is not None:
                query = query.where(ReportRow.case_id == case_id)
            return [_report(r) for r in session.scalars(query)]

    def get(self, report_id: int) -> Report:
        with self.db.read() as session:
            row = session.get(ReportRow, report_id)
            if row is None:
                raise NotFoundError(f"no report {report_id}")
            return _report(row)

    def _pending(self, session: Session, report_id: int, user: User) -> ReportRow:
        user.require(Role.SENIOR)
        row = session.get(ReportRow, report_id, with_for_update=True)
        if row is None:
            raise NotFoundError(f"no report {report_id}")
        if row.status != ReportStatus.DRAFT:
            raise ConflictError(f"report {report_id} is already {row.status}")
        return row

    def approve(self, report_id: int, user: User) -> Report:
        """A senior reviewer's approval queues the report for sending."""
        with self.db.write() as session:
            row = self._pending(session, report_id, user)
            row.status, row.approved_by = ReportStatus.APPROVED, user.username
            row.approved_at = utcnow()
            enqueue(
                session,
                REPORT_CHANNEL,
                "report.submit",
                {"report_id": row.id},
                f"report-{row.id}",
                case_id=row.case_id,
            )
            self.audit.record(
                session,
                user.actor,
                Event.REPORT_APPROVE,
                f"report:{row.id}",
                authority=row.authority,
                case=row.case_id,
            )
            return _report(row)

    def withdraw(self, report_id: int, user: User, reason: str) -> Report:
        if not reason.strip():
            raise InvalidInputError("reason", "withdrawing a report needs a reason")
        with self.db.write() as session:
            row = self._pending(session, report_id, user)
            row.status = ReportStatus.WITHDRAWN
            self.audit.record(
                session, user.actor, Event.REPORT_WITHDRAW, f"report:{row.id}", reason=reason
            )
            return _report(row)

    def all_final(self, session: Session, case_id: int) -> bool:
        open_report = session.scalar(
            select(ReportRow.id)
            .where(ReportRow.case_id == case_id, ReportRow.status.not_in(FINAL))
            .limit(1)
        )
        return open_report is None

    # --- sending (the outbox worker) ---------------------------------------------------
    def deliver(self, delivery: Delivery) -> None:
        report_id = int(delivery.payload["report_id"])
        with self.db.read() as session:
            row = session.get(ReportRow, report_id)
            if row is None or row.status not in (ReportStatus.APPROVED, ReportStatus.SUBMITTING):
                return
            authority, document = row.authority, row.document
            previews = records.preview_files(session, row.case_id)
            case = records.load(session, row.case_id)
            facts = self.facts(session, case, row.approved_by or "") if case else None
        try:
            if authority == "ncmec":
                if facts is None:
                    raise RejectedError(f"report {report_id}: its case is gone")
                external_id = CyberTiplineSubmission(
                    self.db, self.audit, self._clients().ncmec(), self.resume_window
                ).send(report_id, document, facts, previews)
            else:
                external_id = self._clients().nca().submit(document)
        except RejectedError as exc:
            self._set(report_id, ReportStatus.REJECTED, error=str(exc))
            return
        self._set(report_id, ReportStatus.ACCEPTED, external_id=external_id)

    def _set(
        self,
        report_id: int,
        status: ReportStatus,
        *,
        external_id: str | None = None,
        error: str | None = None,
    ) -> None:
        with self.db.write() as session:
            row = session.get(ReportRow, report_id, with_for_update=True)
            if row is None:
                return
            row.status, row.attempts = status, row.attempts + 1
            if external_id:
                row.external_id = external_id
            if status in _OUTCOMES:
                row.submitted_at, row.last_error = utcnow(), error
                self.audit.record(
                    session,
                    "worker",
                    _OUTCOMES[status],
                    f"report:{row.id}",
                    authority=row.authority,
                    external_id=row.external_id,
                    error=error,
                )
