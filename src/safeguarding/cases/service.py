"""Case operations: open or join, the queue, claim, decide. Each is one transaction and
audited; a decision is made on a named version of the case, so two reviewers deciding at
once cannot both win."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from safeguarding.audit.events import Event
from safeguarding.audit.log import AuditLog
from safeguarding.auth.users import Role, User
from safeguarding.cases import context as case_context
from safeguarding.cases import evidence, records
from safeguarding.cases import queues as named_queues
from safeguarding.cases.consequences import Consequences
from safeguarding.cases.intake import MAX_REASON_CHARS
from safeguarding.cases.leases import Clock, Lease, Leases, check_not_held
from safeguarding.cases.leases import end as end_lease
from safeguarding.cases.model import (
    DEADLINES,
    OPEN_STATUSES,
    Case,
    CaseKind,
    CaseRequest,
    Classification,
    Decision,
    Priority,
    Status,
    Subject,
)
from safeguarding.cases.queue import QueuePage, read_page
from safeguarding.cases.records import to_case
from safeguarding.cases.tables import CaseEvidenceRow, CaseRow, PreviewRow
from safeguarding.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from safeguarding.inputs import choice, free_text
from safeguarding.store.db import Database
from safeguarding.store.models import as_utc, utcnow


@dataclass(frozen=True)
class Review:
    case: Case
    context: case_context.Context
    #: what each verdict would set off, in plain words
    foreseen: dict[Decision, list[str]]
    #: why a confirmation leaves the hashes out of the confirmed bank ("": it does not)
    kept_out: str = ""


@dataclass(frozen=True)
class Opened:
    case: Case
    created: bool

    def as_dict(self) -> dict[str, Any]:
        """What the caller that caused it is told: which case, and whether it is new."""
        return {
            "id": self.case.id,
            "created": self.created,
            "status": self.case.status.value,
            "priority": self.case.priority.label,
        }


def _lock_subject(session: Session, subject: Subject) -> None:
    """Two matches for one upload at once must not open two cases (PostgreSQL; SQLite
    writers are already serialised)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted(
        filter(None, (subject.content_id, subject.account_id, subject.conversation_id))
    ):
        number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": number})


class CaseService:
    def __init__(
        self,
        db: Database,
        audit: AuditLog,
        consequences: Consequences,
        *,
        upload_retention: timedelta = timedelta(days=30),
        lease_idle: timedelta = timedelta(minutes=15),
        clock: Clock = utcnow,
    ) -> None:
        self.db = db
        self.audit = audit
        self.consequences = consequences
        #: how long the platform's upload metadata is kept with the evidence samples
        self.upload_retention = upload_retention
        #: reviewers' holds on cases: claim, next, renew, release (cases/leases.py)
        self.leases = Leases(db, audit, idle=lease_idle, clock=clock)

    # --- intake ------------------------------------------------------------------------
    def open(self, request: CaseRequest, actor: str) -> Opened:
        with self.db.write() as session:
            row, created = self.open_in(session, request, actor)
            session.flush()
            return Opened(to_case(row), created)

    def open_in(self, session: Session, request: CaseRequest, actor: str) -> tuple[CaseRow, bool]:
        """Open a case, or add the evidence to the open case about the same content,
        account or conversation, inside the caller's transaction."""
        if request.subject.empty:
            raise InvalidInputError("subject", "a case needs a content, account or conversation id")
        _lock_subject(session, request.subject)
        now = utcnow()
        row = self._open_case_for(session, request.subject)
        created = row is None
        if row is None:
            row = CaseRow(
                kind=request.kind.value,
                priority=int(request.priority),
                status=Status.NEW.value,
                summary=request.summary[:2000],
                labels=sorted(set(request.labels)),
                version=1,
                content_id=request.subject.content_id,
                account_id=request.subject.account_id,
                conversation_id=request.subject.conversation_id,
                due_at=now + DEADLINES[request.priority],
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            changed = False
        else:
            changed = self._join(row, request, now)
        new_evidence = [
            evidence.add(session, row.id, item, request, now) for item in request.evidence
        ]
        if not created and (changed or any(new_evidence)):
            # a reviewer's open form no longer shows everything: their decision is stale
            row.version += 1
        self.audit.record(
            session,
            actor,
            Event.CASE_OPEN if created else Event.CASE_JOIN,
            f"case:{row.id}",
            kind=request.kind.value,
            priority=Priority(row.priority).label,
            evidence=len(request.evidence),
            new_evidence=sum(new_evidence),
        )
        self.consequences.on_open(session, row, request, created)
        return row, created

    def add_to(self, case_id: int, request: CaseRequest, actor: str) -> bool:
        """Fold a request's evidence, priority and labels into one named case while it is
        open (False, and nothing changed, once it is decided). Nothing is sent: this is a
        finding for the reviewer, not a new case (imagery/service.py)."""
        with self.db.write() as session:
            row = self._locked(session, case_id)
            if row.status not in {s.value for s in OPEN_STATUSES}:
                return False
            now = utcnow()
            changed = self._join(row, request, now)
            new = [evidence.add(session, row.id, item, request, now) for item in request.evidence]
            if changed or any(new):
                row.version += 1
            self.audit.record(
                session,
                actor,
                Event.CASE_JOIN,
                f"case:{row.id}",
                kind=request.kind.value,
                priority=Priority(row.priority).label,
                evidence=len(request.evidence),
                new_evidence=sum(new),
            )
            return True

    def _open_case_for(self, session: Session, subject: Subject) -> CaseRow | None:
        conditions = [
            column == value
            for column, value in (
                (CaseRow.content_id, subject.content_id),
                (CaseRow.account_id, subject.account_id),
                (CaseRow.conversation_id, subject.conversation_id),
            )
            if value
        ]
        return session.scalars(
            select(CaseRow)
            .where(CaseRow.status.in_([s.value for s in OPEN_STATUSES]), or_(*conditions))
            .order_by(CaseRow.priority, CaseRow.id)
            .limit(1)
            .with_for_update()
        ).first()

    def _join(self, row: CaseRow, request: CaseRequest, now: datetime) -> bool:
        """Fold a request into the open case; True when that changes what a decision would
        be about (priority, the ids acted on, labels)."""
        changed = False
        if request.priority < row.priority:
            row.priority = int(request.priority)
            row.due_at = min(as_utc(row.due_at) or now, now + DEADLINES[request.priority])
            changed = True
        for name in ("content_id", "account_id", "conversation_id"):
            if getattr(row, name) is None and getattr(request.subject, name):
                setattr(row, name, getattr(request.subject, name))
                changed = True
        labels = sorted(set(row.labels) | set(request.labels))
        if labels != sorted(row.labels):
            row.labels = labels
            changed = True
        row.updated_at = now
        return changed

    # --- reading -----------------------------------------------------------------------
    def queue(
        self,
        *,
        statuses: tuple[Status, ...] = OPEN_STATUSES,
        page: int = 1,
        per_page: int = 50,
        user: User | None = None,
    ) -> QueuePage:
        """A page of the queue, most urgent first, with its counts; given a `user`, only the
        kinds of case their role may open (no self-reports for reviewers and seniors)."""
        kinds = named_queues.kinds_for(user.role) if user else tuple(CaseKind)
        with self.db.read() as session:
            return read_page(
                session, to_case, statuses=statuses, page=page, per_page=per_page, kinds=kinds
            )

    def summaries(self, cases: list[Case]) -> dict[int, str]:
        """Each case of a queue page in one plain sentence (cases/explain.py)."""
        with self.db.read() as session:
            return case_context.summaries(session, cases)

    def queues(self, user: User) -> list[named_queues.QueueCounts]:
        """The queues the reviewer's role works, with their counts."""
        with self.db.read() as session:
            return named_queues.count(
                session, named_queues.for_role(user.role), self.leases.clock()
            )

    def start(self, queue: str, user: User, *, exclude: Collection[int] = ()) -> Lease | None:
        """The next case of a queue, held for the reviewer: None when nothing waits."""
        chosen = named_queues.named(queue)
        user.require(chosen.role)
        return self.leases.next(
            user, kinds=chosen.kinds, escalated=chosen.escalated, exclude=exclude
        )

    def get(self, case_id: int) -> Case:
        """The case with its evidence."""
        with self.db.read() as session:
            return self._load(session, case_id)

    def view(self, case_id: int, user: User) -> Case:
        """A reviewer opens the case: recorded, and their hold on it (if any) renewed."""
        return self.review(case_id, user).case

    def review(self, case_id: int, user: User) -> Review:
        """`view`, with what the reviewer needs beside the case (cases/context.py) and what
        each verdict would set off."""
        with self.db.write() as session:
            case = self._load(session, case_id)
            user.require(named_queues.role_for(case.kind))
            self.leases.renew(session, case_id, user)
            self.audit.record(session, user.actor, Event.CASE_VIEW, f"case:{case_id}")
            found = case_context.gather(session, case, self.consequences.bank_store)
            consequences = self.consequences
            foreseen = consequences.foreseen(session, case)
            kept_out = consequences.keeps_out(session, case.evidence)
        return Review(case, found, foreseen, consequences.kept_out if kept_out else "")

    def _load(self, session: Session, case_id: int) -> Case:
        case = records.load(session, case_id)
        if case is None:
            raise NotFoundError(f"no case {case_id}")
        return case

    # --- review ------------------------------------------------------------------------
    def _locked(self, session: Session, case_id: int) -> CaseRow:
        row = session.get(CaseRow, case_id, with_for_update=True)
        if row is None:
            raise NotFoundError(f"no case {case_id}")
        return row

    def decide(
        self,
        case_id: int,
        user: User,
        decision: Decision | str,
        reason: str,
        *,
        version: int,
        classification: Classification | str | None = None,
        file_classifications: Mapping[int, Classification | str] | None = None,
    ) -> Case:
        """`classification`: the case's, for every file without its own;
        `file_classifications`: per preview id, sent with that file in reports."""
        decision = choice("decision", Decision, decision)
        reason = free_text("reason", reason, MAX_REASON_CHARS)
        if not reason:
            raise InvalidInputError("reason", "a decision needs a reason")
        label = choice("classification", Classification, classification) if classification else None
        per_file = {
            int(k): choice(f"classification_{k}", Classification, v)
            for k, v in (file_classifications or {}).items()
            if v
        }
        with self.db.write() as session:
            row = self._locked(session, case_id)
            if row.status not in (Status.NEW.value, Status.IN_REVIEW.value):
                raise ConflictError(
                    f"case {case_id} was already decided ({row.decision}) by {row.decided_by}"
                )
            now = self.leases.clock()
            kind = CaseKind(row.kind)
            user.require(named_queues.role_for(kind))
            if kind is CaseKind.SELF_REPORT and decision is Decision.ESCALATE:
                raise InvalidInputError(
                    "decision",
                    "the hotline decides a self-report: approve it, ask for the upload "
                    "route, or reject it",
                )
            check_not_held(row, user, now)
            if row.version != version:
                raise ConflictError(
                    f"case {case_id} changed since you opened it (new "
                    "evidence or another reviewer): reload and review again"
                )
            if decision.final and "escalated" in row.labels and not user.role.at_least(Role.SENIOR):
                raise ForbiddenError("an escalated case needs a senior reviewer's decision")
            end_lease(row)
            row.version += 1
            row.updated_at = now
            self.audit.record(
                session,
                user.actor,
                Event.CASE_DECIDE,
                f"case:{case_id}",
                decision=decision.value,
                reason=reason,
                classification=label.value if label else None,
                **(
                    {"file_classifications": {str(k): v.value for k, v in sorted(per_file.items())}}
                    if per_file
                    else {}
                ),
            )
            if decision.final:
                row.status = Status.DECIDED.value
                row.decision, row.decision_reason = decision.value, reason
                row.decided_by, row.decided_at = user.username, now
                row.classification = label.value if label else None
                self._classify_files(session, case_id, per_file)
            elif decision is Decision.ESCALATE:
                row.labels = sorted({*row.labels, "escalated"})
                row.priority = min(row.priority, int(Priority.HIGH))
                row.assignee, row.status = None, Status.NEW.value
            else:
                row.status = Status.IN_REVIEW.value
            rows = list(
                session.scalars(select(CaseEvidenceRow).where(CaseEvidenceRow.case_id == case_id))
            )
            self.consequences.on_decision(session, row, rows, decision, reason, user)
            self.consequences.advance(session, row)
            return to_case(row)

    def _classify_files(
        self, session: Session, case_id: int, per_file: dict[int, Classification]
    ) -> None:
        previews = {
            p.id: p
            for p in session.scalars(
                select(PreviewRow).where(
                    PreviewRow.case_id == case_id, PreviewRow.id.in_(list(per_file))
                )
            )
        }
        unknown = sorted(set(per_file) - set(previews))
        if unknown:
            raise NotFoundError(f"case {case_id} has no preview {unknown[0]}")
        for preview_id, label in per_file.items():
            previews[preview_id].classification = label.value

    def close_in(self, session: Session, case_id: int, actor: str, why: str) -> None:
        """Close an open case without a decision, inside the caller's transaction: what it
        was about went away (a self-report withdrawn by its owner). A reviewer's open form
        is then stale, and their hold ends."""
        row = self._locked(session, case_id)
        if row.status not in (Status.NEW.value, Status.IN_REVIEW.value):
            return
        end_lease(row)
        row.status, row.version, row.updated_at = Status.CLOSED.value, row.version + 1, utcnow()
        self.audit.record(session, actor, Event.CASE_CLOSED, f"case:{case_id}", why=why)

    def purge_uploads(self) -> int:
        """Clear upload metadata past its retention (cases under preservation keep it)."""
        with self.db.write() as session:
            cleared = evidence.purge_uploads(session, self.upload_retention)
            if cleared:
                self.audit.record(
                    session, "system", Event.EVIDENCE_PURGE_UPLOADS, "", cleared=cleared
                )
            return cleared

    def purge_franked_texts(self) -> int:
        """Clear franked reports' message texts past the retention (preserved cases keep
        them)."""
        with self.db.write() as session:
            cleared = evidence.purge_franked_texts(session, self.upload_retention)
            if cleared:
                self.audit.record(
                    session, "system", Event.EVIDENCE_PURGE_FRANKED_TEXTS, "", cleared=cleared
                )
            return cleared

    def outcome_delivered(self, session: Session, case_id: int) -> None:
        """An outbox delivery for the case went out: it may now be actioned or closed."""
        row = session.get(CaseRow, case_id, with_for_update=True)
        if row is not None:
            self.consequences.advance(session, row)


def due_soon(case: Case, within: timedelta = timedelta(hours=1)) -> bool:
    return case.status in OPEN_STATUSES and case.due_at - utcnow() < within
