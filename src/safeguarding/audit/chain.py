"""The hash chain over audit events: each event's hash covers its content and the previous
event's hash, so changing, inserting or deleting an event breaks every later link.

Events are chained when their transaction commits, under a lock (PostgreSQL: an advisory
lock; SQLite: the database write lock every writer already holds), in commit order; `seq`
is the position. Chaining at commit, not at insert, means a transaction that records an
event and then waits on some other row lock never holds the chain lock meanwhile.

Pending events live in the session until commit. A savepoint that rolls back (a bank that
already exists, a duplicate insert) takes with it only the events recorded inside it:
SQLAlchemy expunges the rows it added, and `_settle` keeps every row still in the session.
Only the end of the whole transaction without a commit forgets them all. The hooks listen
on the project's own session class (`StoreSession`), never on every SQLAlchemy session.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session, SessionTransaction

from safeguarding.store.db import StoreSession
from safeguarding.store.models import AuditEventRow

GENESIS = "0" * 64
PENDING_KEY = "safeguarding_audit_pending"
#: pg_advisory_xact_lock key: "sgaudit" as an integer
_LOCK_KEY = 0x7367617564697400 >> 8


def canonical_time(at: datetime) -> str:
    """SQLite hands back naive datetimes, PostgreSQL aware ones: both are UTC."""
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(row: AuditEventRow, prev_hash: str) -> str:
    body = {"seq": row.seq, "id": row.id, "at": canonical_time(row.at), "actor": row.actor,
            "action": row.action, "target": row.target, "details": row.details,
            "prev": prev_hash}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def json_safe(details: dict[str, Any]) -> dict[str, Any]:
    """What the JSON column will give back, so the hash is of what is stored."""
    safe: dict[str, Any] = json.loads(json.dumps(details, default=str))
    return safe


def pending(session: Session) -> list[AuditEventRow]:
    if not isinstance(session, StoreSession):
        raise TypeError("audit events are chained only in the project's sessions "
                        "(Database.read()/write())")
    rows: list[AuditEventRow] = session.info.setdefault(PENDING_KEY, [])
    return rows


@event.listens_for(StoreSession, "before_commit")
def _chain_on_commit(session: Session) -> None:
    rows = session.info.pop(PENDING_KEY, None)
    if not rows:
        return
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    last = session.execute(select(AuditEventRow.seq, AuditEventRow.hash)
                           .where(AuditEventRow.seq.is_not(None))
                           .order_by(AuditEventRow.seq.desc()).limit(1)).first()
    seq: int = (last[0] or 0) if last else 0
    prev: str = (last[1] or GENESIS) if last else GENESIS
    for row in sorted(rows, key=lambda r: r.id):
        seq += 1
        row.seq = seq
        row.prev_hash = prev
        row.hash = prev = event_hash(row, prev)
    session.flush()


@event.listens_for(StoreSession, "after_transaction_end")
def _settle(session: Session, transaction: SessionTransaction) -> None:
    """A savepoint ended: keep the events still in the session (those it added are
    expunged if it rolled back). The outermost transaction ended: after a commit the list
    was already taken; after a rollback every pending event is gone with it."""
    rows: list[AuditEventRow] | None = session.info.get(PENDING_KEY)
    if not rows:
        return
    if transaction.nested:
        session.info[PENDING_KEY] = [row for row in rows if row in session]
    elif transaction.parent is None:
        session.info.pop(PENDING_KEY, None)


@dataclass(frozen=True)
class ChainReport:
    events: int
    head: str
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def _walk(session: Session, batch: int = 5000) -> Iterator[AuditEventRow]:
    after = 0
    while True:
        rows = list(session.scalars(select(AuditEventRow).where(AuditEventRow.seq > after)
                                    .order_by(AuditEventRow.seq).limit(batch)))
        if not rows:
            return
        yield from rows
        after = rows[-1].seq or after
        session.expunge_all()


def verify_chain(session: Session, max_problems: int = 20) -> ChainReport:
    """Recompute every link. Deleting the newest events leaves a valid shorter chain:
    compare `head` with one recorded elsewhere (`audit verify --expect-head`) to catch that."""
    problems: list[str] = []
    prev, expected_seq, count = GENESIS, 1, 0
    for row in _walk(session):
        count += 1
        if row.seq != expected_seq:
            problems.append(f"events {expected_seq}..{(row.seq or 0) - 1} are missing")
        if row.prev_hash != prev:
            problems.append(f"event {row.seq} (id {row.id}) does not follow the event before it")
        if event_hash(row, row.prev_hash or "") != row.hash:
            problems.append(f"event {row.seq} (id {row.id}, {row.action}) was altered")
        prev, expected_seq = row.hash or "", (row.seq or 0) + 1
        if len(problems) >= max_problems:
            break
    unchained = session.scalar(select(AuditEventRow.id).where(AuditEventRow.seq.is_(None))
                               .limit(1))
    if unchained is not None:
        problems.append(f"event id {unchained} is outside the chain")
    return ChainReport(count, prev, problems)
