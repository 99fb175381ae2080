"""Append-only audit events, written in the same transaction as the change they record and
hash-chained when it commits (audit/chain.py), keyed and checkpointed when an audit key is
configured (audit/keys.py, audit/checkpoint.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from safeguarding.audit.chain import json_safe, pending
from safeguarding.audit.checkpoint import Checkpoint, CheckpointLog, read_checkpoints
from safeguarding.audit.events import Event
from safeguarding.audit.keys import AuditKey
from safeguarding.audit.tables import AuditEventRow
from safeguarding.audit.verify import ChainReport, verify_chain
from safeguarding.store.models import utcnow


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
    """`key`: events are chained keyed (HMAC) and checkpoints are signed with it;
    `checkpoint_file`: where signed checkpoints are appended (needs the key)."""

    def __init__(
        self, key: AuditKey | None = None, checkpoint_file: str | Path | None = None
    ) -> None:
        if checkpoint_file is not None and key is None:
            raise ValueError("audit checkpoints are signed: they need an audit key")
        self.key = key
        self.checkpoint_file = Path(checkpoint_file) if checkpoint_file else None

    def record(
        self, session: Session, actor: str, action: Event, target: str = "", **details: Any
    ) -> None:
        # Event(...) refuses a name outside the list (a bug), so every stored one is a member
        row = AuditEventRow(
            at=utcnow(),
            actor=actor[:200],
            action=Event(action).value,
            target=target[:300],
            details=json_safe(details),
        )
        session.add(row)
        pending(session, self.key).append(row)

    def recent(
        self,
        session: Session,
        limit: int = 100,
        action: Event | None = None,
        target: str | None = None,
    ) -> list[AuditEvent]:
        query = select(AuditEventRow).order_by(AuditEventRow.id.desc()).limit(limit)
        if action:
            query = query.where(AuditEventRow.action == action)
        if target:
            query = query.where(AuditEventRow.target == target)
        return [_event(r) for r in session.scalars(query)]

    def counts(
        self, session: Session, action: str, actors: list[str], since: list[datetime]
    ) -> dict[str, list[int]]:
        """How many `action` events each actor recorded since each of the times (one query);
        actors without any are left out."""
        if not actors or not since:
            return {}
        within = [func.sum(case((AuditEventRow.at >= t, 1), else_=0)) for t in since]
        rows = session.execute(
            select(AuditEventRow.actor, *within)
            .where(
                AuditEventRow.action == action,
                AuditEventRow.actor.in_(actors),
                AuditEventRow.at >= min(since),
            )
            .group_by(AuditEventRow.actor)
        ).all()
        return {row[0]: [int(n or 0) for n in row[1:]] for row in rows}

    def verify(self, session: Session) -> ChainReport:
        checkpoints: list[Checkpoint] = []
        problems: list[str] = []
        notes: list[str] = []
        if self.checkpoint_file is not None and self.key is not None:
            if self.checkpoint_file.exists():
                checkpoints, problems = read_checkpoints(self.checkpoint_file, self.key.public)
            else:
                notes.append(f"no checkpoints yet at {self.checkpoint_file}")
        report = verify_chain(session, key=self.key, checkpoints=checkpoints)
        return replace(report, problems=problems + report.problems, notes=report.notes + notes)

    def checkpoint(self, session: Session) -> Checkpoint | None:
        """Append a signed checkpoint of the committed head (None: not configured, or the
        head has not moved since the last one)."""
        if self.checkpoint_file is None or self.key is None:
            return None
        return CheckpointLog(self.checkpoint_file, self.key).write(session)

    def contains(self, session: Session, event_hash: str) -> bool:
        return (
            session.scalar(select(AuditEventRow.id).where(AuditEventRow.hash == event_hash))
            is not None
        )
