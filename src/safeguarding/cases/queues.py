"""The queues a reviewer works through, one case after another: one per kind of case, and
the escalated cases for senior reviewers. Each shows how many cases wait in it, how many are
being reviewed, and how long its oldest waiting case has waited.

A queue is a filter over the open cases, not a table: a case is in exactly one queue (its
kind's, or the escalated one once a reviewer escalates it), and `Leases.next` hands out
its cases most urgent first. Queue names appear in URLs only; nothing stores them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, String, and_, case, cast, func, select
from sqlalchemy.orm import Session

from safeguarding.auth.users import Role
from safeguarding.cases.model import OPEN_STATUSES, CaseKind, Priority
from safeguarding.cases.tables import CaseRow
from safeguarding.errors import NotFoundError
from safeguarding.store.models import as_utc


@dataclass(frozen=True)
class Queue:
    name: str  # in URLs
    title: str
    about: str  # one line for the reviewer
    kinds: tuple[CaseKind, ...]
    #: True: only escalated cases; False: none (they wait for a senior in their own queue)
    escalated: bool
    role: Role  # the least role that works it


QUEUES = (
    Queue(
        "matches",
        "Matches",
        "uploads that matched a hash list",
        (CaseKind.MATCH,),
        False,
        Role.REVIEWER,
    ),
    Queue(
        "conversations",
        "Conversations",
        "chats with a grooming or sextortion alert",
        (CaseKind.CONVERSATION,),
        False,
        Role.REVIEWER,
    ),
    Queue(
        "reports",
        "User reports",
        "content or accounts reported by people on the platform",
        (CaseKind.USER_REPORT,),
        False,
        Role.REVIEWER,
    ),
    Queue(
        "hotline",
        "Self-reports",
        "hashes young people sent through /report-remove, for the hotline to approve",
        (CaseKind.SELF_REPORT,),
        False,
        Role.HOTLINE,
    ),
    Queue(
        "escalated",
        "Escalated",
        "cases a reviewer passed to a senior for the decision",
        tuple(CaseKind),
        True,
        Role.SENIOR,
    ),
)
BY_NAME = {q.name: q for q in QUEUES}


def named(name: str) -> Queue:
    queue = BY_NAME.get(name)
    if queue is None:
        raise NotFoundError(f"no queue {name[:40]!r}: the queues are {', '.join(BY_NAME)}")
    return queue


def of(kind: CaseKind, labels: list[str]) -> Queue:
    """The queue a case is in."""
    if "escalated" in labels:
        return BY_NAME["escalated"]
    return next(q for q in QUEUES if not q.escalated and kind in q.kinds)


def role_for(kind: CaseKind) -> Role:
    """The least role that may take, open or decide a case of this kind (its own queue's):
    self-reports are the hotline's, wherever they are reached from."""
    return of(kind, []).role


def kinds_for(role: Role) -> tuple[CaseKind, ...]:
    """The kinds of case a role may see in lists: self-reports only for the hotline (and
    admins), never for reviewers and seniors."""
    return tuple(k for k in CaseKind if role.at_least(role_for(k)))


def for_role(role: Role) -> list[Queue]:
    return [q for q in QUEUES if role.at_least(q.role)]


def is_escalated() -> ColumnElement[bool]:
    """Labels are a JSON list of validated strings: '"escalated"' matches only that label,
    on both databases."""
    return cast(CaseRow.labels, String).contains('"escalated"')


@dataclass(frozen=True)
class QueueCounts:
    queue: Queue
    waiting: int  # open, nobody holds them
    in_review: int  # held by a reviewer now
    urgent: int  # waiting, at urgent priority
    #: when the longest-waiting free case was opened; None when nothing waits
    oldest: datetime | None


def count(session: Session, queues: list[Queue], now: datetime) -> list[QueueCounts]:
    """Counts for each queue, in one grouped query over the open cases."""
    escalated = case((is_escalated(), 1), else_=0).label("escalated")
    held = case((and_(CaseRow.assignee.is_not(None), CaseRow.lease_until > now), 1), else_=0).label(
        "held"
    )
    rows = session.execute(
        select(
            CaseRow.kind,
            escalated,
            held,
            func.count(),
            func.min(CaseRow.created_at),
            func.sum(case((CaseRow.priority == int(Priority.URGENT), 1), else_=0)),
        )
        .where(CaseRow.status.in_([s.value for s in OPEN_STATUSES]))
        .group_by(CaseRow.kind, escalated, held)
    ).all()
    found = []
    for queue in queues:
        mine = [r for r in rows if CaseKind(r[0]) in queue.kinds and bool(r[1]) == queue.escalated]
        free = [r for r in mine if not r[2]]
        oldest = [t for t in (as_utc(r[4]) for r in free) if t is not None]
        found.append(
            QueueCounts(
                queue,
                sum(int(r[3]) for r in free),
                sum(int(r[3]) for r in mine if r[2]),
                sum(int(r[5] or 0) for r in free),
                min(oldest) if oldest else None,
            )
        )
    return found
