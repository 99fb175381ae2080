"""Append-only audit events, written in the same transaction as the change they record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguarding.store.models import AuditEventRow


@dataclass(frozen=True)
class AuditEvent:
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any]


class AuditLog:
    def record(self, session: Session, actor: str, action: str, target: str = "",
               **details: Any) -> None:
        session.add(AuditEventRow(actor=actor, action=action, target=target, details=details))

    def recent(self, session: Session, limit: int = 100, action: str | None = None
               ) -> list[AuditEvent]:
        query = select(AuditEventRow).order_by(AuditEventRow.id.desc()).limit(limit)
        if action:
            query = query.where(AuditEventRow.action == action)
        return [AuditEvent(r.id, r.at, r.actor, r.action, r.target, dict(r.details))
                for r in session.scalars(query)]
