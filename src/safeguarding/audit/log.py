"""Append-only audit events, written in the same transaction as the change they record and
hash-chained when it commits (audit/chain.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguarding.audit.chain import ChainReport, json_safe, pending, verify_chain
from safeguarding.store.models import AuditEventRow, utcnow


@dataclass(frozen=True)
class AuditEvent:
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any]
    seq: int | None = None
    hash: str | None = None


def _event(r: AuditEventRow) -> AuditEvent:
    return AuditEvent(r.id, r.at, r.actor, r.action, r.target, dict(r.details), r.seq, r.hash)


class AuditLog:
    def record(self, session: Session, actor: str, action: str, target: str = "",
               **details: Any) -> None:
        row = AuditEventRow(at=utcnow(), actor=actor[:200], action=action,
                            target=target[:300], details=json_safe(details))
        session.add(row)
        pending(session).append(row)

    def recent(self, session: Session, limit: int = 100, action: str | None = None,
               target: str | None = None) -> list[AuditEvent]:
        query = select(AuditEventRow).order_by(AuditEventRow.id.desc()).limit(limit)
        if action:
            query = query.where(AuditEventRow.action == action)
        if target:
            query = query.where(AuditEventRow.target == target)
        return [_event(r) for r in session.scalars(query)]

    def verify(self, session: Session) -> ChainReport:
        return verify_chain(session)

    def contains(self, session: Session, event_hash: str) -> bool:
        return session.scalar(select(AuditEventRow.id).where(
            AuditEventRow.hash == event_hash)) is not None
