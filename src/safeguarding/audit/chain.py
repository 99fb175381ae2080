"""The hash chain over audit events: each event's hash covers its content and the previous
event's hash, so changing, inserting or deleting an event breaks every later link.

Events are chained when their transaction commits, under a lock (PostgreSQL: an advisory
lock; SQLite: the database write lock every writer already holds), in commit order; `seq`
is the position. Chaining at commit, not at insert, means a transaction that records an
event and then waits on some other row lock never holds the chain lock meanwhile.

With an audit key (`audit/keys.py`) the hash is an HMAC-SHA256 under the key instead of a
plain SHA-256, and the event stores the key's id (`key_id`, part of what is hashed): someone
who can write the database but not read the key cannot append an event that verifies.
Events chained before a key was configured keep their plain hashes.

Pending events live in the session until commit. A savepoint that rolls back (a bank that
already exists, a duplicate insert) takes with it only the events recorded inside it:
SQLAlchemy expunges the rows it added, and `_settle` keeps every row still in the session.
Only the end of the whole transaction without a commit forgets them all. The hooks listen
on the project's own session class (`StoreSession`), never on every SQLAlchemy session.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session, SessionTransaction

from safeguarding.audit.keys import AuditKey
from safeguarding.audit.tables import AuditEventRow
from safeguarding.store.db import StoreSession

GENESIS = "0" * 64
PENDING_KEY = "safeguarding_audit_pending"
KEY_KEY = "safeguarding_audit_key"
#: pg_advisory_xact_lock key: "sgaudit" as an integer
_LOCK_KEY = 0x7367617564697400 >> 8


def canonical_time(at: datetime) -> str:
    """SQLite hands back naive datetimes, PostgreSQL aware ones: both are UTC."""
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(row: AuditEventRow, prev_hash: str, key: AuditKey | None = None) -> str:
    """SHA-256 of the event's canonical JSON; HMAC-SHA256 under `key` when the event is
    keyed (`row.key_id` set, and then part of the JSON)."""
    body = {
        "seq": row.seq,
        "id": row.id,
        "at": canonical_time(row.at),
        "actor": row.actor,
        "action": row.action,
        "target": row.target,
        "details": row.details,
        "prev": prev_hash,
    }
    if row.key_id is not None:
        body["key"] = row.key_id
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    if row.key_id is None:
        return hashlib.sha256(canonical).hexdigest()
    if key is None or key.id != row.key_id:
        raise ValueError(f"event {row.seq} is keyed with {row.key_id}: that key is needed")
    return key.mac(canonical)


def json_safe(details: dict[str, Any]) -> dict[str, Any]:
    """What the JSON column will give back, so the hash is of what is stored."""
    safe: dict[str, Any] = json.loads(json.dumps(details, default=str))
    return safe


def head(session: Session) -> tuple[int, str] | None:
    """The newest chained event's (seq, hash); None for an empty chain."""
    row = session.execute(
        select(AuditEventRow.seq, AuditEventRow.hash)
        .where(AuditEventRow.seq.is_not(None))
        .order_by(AuditEventRow.seq.desc())
        .limit(1)
    ).first()
    return (int(row[0] or 0), str(row[1] or GENESIS)) if row else None


def pending(session: Session, key: AuditKey | None = None) -> list[AuditEventRow]:
    """The session's events waiting for commit; `key` chains them keyed."""
    if not isinstance(session, StoreSession):
        raise TypeError(
            "audit events are chained only in the project's sessions (Database.read()/write())"
        )
    if key is not None:
        known = session.info.setdefault(KEY_KEY, key)
        if known.id != key.id:
            raise ValueError("two audit keys in one transaction")
    rows: list[AuditEventRow] = session.info.setdefault(PENDING_KEY, [])
    return rows


@event.listens_for(StoreSession, "before_commit")
def _chain_on_commit(session: Session) -> None:
    rows = session.info.pop(PENDING_KEY, None)
    key: AuditKey | None = session.info.pop(KEY_KEY, None)
    if not rows:
        return
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    seq, prev = head(session) or (0, GENESIS)
    for row in sorted(rows, key=lambda r: r.id):
        seq += 1
        row.seq = seq
        row.prev_hash = prev
        row.key_id = key.id if key else None
        row.hash = prev = event_hash(row, prev, key)
    session.flush()


@event.listens_for(StoreSession, "after_transaction_end")
def _settle(session: Session, transaction: SessionTransaction) -> None:
    """A savepoint ended: keep the events still in the session (those it added are
    expunged if it rolled back). The outermost transaction ended: after a commit the list
    was already taken; after a rollback every pending event is gone with it."""
    if transaction.nested:
        rows: list[AuditEventRow] | None = session.info.get(PENDING_KEY)
        if rows:
            session.info[PENDING_KEY] = [row for row in rows if row in session]
    elif transaction.parent is None:
        session.info.pop(PENDING_KEY, None)
        session.info.pop(KEY_KEY, None)
