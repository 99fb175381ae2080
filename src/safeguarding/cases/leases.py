"""Leases: a reviewer's hold on a case.

Claiming a case (or being handed the next one) gives the reviewer a lease: until it lapses,
no other reviewer can claim or decide the case. The lease is renewed by the holder's
activity (opening the case, claiming it again) and lapses after `idle` without any, so a
case is never stuck with someone who walked away; it is released at once when the holder
skips the case, decides it, or signs out. A senior reviewer can take a case over from its
holder (audited, with whom it was taken from).

Stored as `cases.assignee` (who) and `cases.lease_until` (until when); every change takes
the case's row lock (FOR UPDATE on PostgreSQL; SQLite's writers are serialised), so two
reviewers claiming at once cannot both win. `next` hands out the most urgent free case with
FOR UPDATE SKIP LOCKED on PostgreSQL, so reviewers asking at once get different cases.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, or_, select
from sqlalchemy.orm import Session

from safeguarding.audit.events import Event
from safeguarding.audit.log import AuditLog
from safeguarding.auth.users import Role, User
from safeguarding.cases.model import OPEN_STATUSES, CaseKind, Status
from safeguarding.cases.queues import is_escalated, role_for
from safeguarding.cases.tables import CaseRow
from safeguarding.errors import ConflictError, NotFoundError
from safeguarding.store.db import Database
from safeguarding.store.models import as_utc, utcnow

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Lease:
    case_id: int
    holder: str  # a reviewer's username
    until: datetime


def holder(row: CaseRow, now: datetime) -> str | None:
    """Who holds the case now: None when nobody does or the lease has lapsed."""
    until = as_utc(row.lease_until)
    return row.assignee if row.assignee and until is not None and until > now else None


def check_not_held(row: CaseRow, user: User, now: datetime) -> None:
    """A reviewer may act on a case nobody else holds."""
    other = holder(row, now)
    if other is not None and other != user.username:
        until = as_utc(row.lease_until) or now
        raise ConflictError(
            f"case {row.id} is being reviewed by {other} (until {until:%H:%M} "
            "UTC, longer if they stay active): ask them, or a senior "
            "reviewer can take it over"
        )


def end(row: CaseRow) -> None:
    """The lease ends with a decision; `assignee` stays as who worked the case."""
    row.lease_until = None


class Leases:
    def __init__(
        self, db: Database, audit: AuditLog, *, idle: timedelta, clock: Clock = utcnow
    ) -> None:
        self.db = db
        self.audit = audit
        self.idle = idle
        self.clock = clock

    def _row(self, session: Session, case_id: int) -> CaseRow:
        row = session.get(CaseRow, case_id, with_for_update=True)
        if row is None:
            raise NotFoundError(f"no case {case_id}")
        return row

    def _take(
        self, session: Session, row: CaseRow, user: User, now: datetime, *, override: bool = False
    ) -> Lease:
        if row.status not in [s.value for s in OPEN_STATUSES]:
            raise ConflictError(f"case {row.id} is already {row.status}")
        user.require(role_for(CaseKind(row.kind)))
        previous = holder(row, now)
        if previous is not None and previous != user.username:
            if not override:
                check_not_held(row, user, now)
            user.require(Role.SENIOR)
            self.audit.record(
                session, user.actor, Event.CASE_TAKEOVER, f"case:{row.id}", previous=previous
            )
        elif previous is None:
            self.audit.record(
                session,
                user.actor,
                Event.CASE_CLAIM,
                f"case:{row.id}",
                lapsed=row.assignee if row.assignee != user.username else None,
            )
        row.assignee, row.status = user.username, Status.IN_REVIEW.value
        row.lease_until = now + self.idle
        return Lease(row.id, user.username, row.lease_until)

    def claim(self, case_id: int, user: User, *, override: bool = False) -> Lease:
        """Hold the case (or renew your hold). Held by another reviewer: ConflictError,
        unless a senior reviewer asks to `override` and take it over."""
        with self.db.write() as session:
            return self._take(
                session, self._row(session, case_id), user, self.clock(), override=override
            )

    def next(
        self,
        user: User,
        *,
        kinds: Collection[CaseKind] = (),
        exclude: Collection[int] = (),
        escalated: bool | None = None,
    ) -> Lease | None:
        """Hold the most urgent open case nobody else holds (the reviewer's own first, so a
        reload resumes it): None when there is none. Escalated cases go to seniors only;
        `escalated` True or False takes only escalated cases, or none (a queue's filter);
        `exclude` skips cases the caller has just passed over."""
        if escalated:
            user.require(Role.SENIOR)
        now = self.clock()
        with self.db.write() as session:
            query = (
                select(CaseRow)
                .where(
                    CaseRow.status.in_([s.value for s in OPEN_STATUSES]),
                    or_(
                        CaseRow.assignee.is_(None),
                        CaseRow.lease_until.is_(None),
                        CaseRow.lease_until <= now,
                        CaseRow.assignee == user.username,
                    ),
                )
                .order_by(
                    case((CaseRow.assignee == user.username, 0), else_=1),
                    CaseRow.priority,
                    CaseRow.due_at,
                    CaseRow.id,
                )
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if kinds:
                query = query.where(CaseRow.kind.in_([k.value for k in kinds]))
            if exclude:
                query = query.where(CaseRow.id.not_in(list(exclude)))
            if escalated:
                query = query.where(is_escalated())
            elif escalated is False or not user.role.at_least(Role.SENIOR):
                query = query.where(~is_escalated())
            row = session.scalars(query).first()
            return None if row is None else self._take(session, row, user, now)

    def renew(self, session: Session, case_id: int, user: User) -> Lease | None:
        """Activity by the holder (opening the case) keeps the hold, inside the caller's
        transaction; anyone else's activity changes nothing."""
        row = session.get(CaseRow, case_id)
        now = self.clock()
        if row is None or holder(row, now) != user.username:
            return None
        row.lease_until = now + self.idle
        return Lease(row.id, user.username, row.lease_until)

    def release(self, case_id: int, user: User, reason: str = "") -> None:
        """Skip: give the case back to the queue. Only its holder (or a senior) can."""
        with self.db.write() as session:
            row = self._row(session, case_id)
            now = self.clock()
            current = holder(row, now)
            if current is None:
                return
            if current != user.username:
                user.require(Role.SENIOR)
            self._release(session, row, user, current, reason)

    def release_all(self, user: User) -> int:
        """Sign-out: every case the reviewer holds goes back to the queue."""
        with self.db.write() as session:
            rows = list(
                session.scalars(
                    select(CaseRow)
                    .where(CaseRow.assignee == user.username, CaseRow.lease_until > self.clock())
                    .with_for_update()
                )
            )
            for row in rows:
                self._release(session, row, user, user.username, "signed out")
            return len(rows)

    def _release(
        self, session: Session, row: CaseRow, user: User, holder: str, reason: str
    ) -> None:
        self._free(row)
        self.audit.record(
            session,
            user.actor,
            Event.CASE_RELEASE,
            f"case:{row.id}",
            holder=holder,
            reason=reason[:500],
        )

    @staticmethod
    def _free(row: CaseRow) -> None:
        row.assignee, row.lease_until = None, None
        if row.status == Status.IN_REVIEW.value:
            row.status = Status.NEW.value
