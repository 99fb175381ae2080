"""Audit events summed for transparency reports, in SQL: the reviewers' decisions made in a
range, final or not. A non-final decision (escalate, ask for more information) changes no
decision on the case, so the audit trail is the only record of how many were made."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safeguarding.audit.events import Event
from safeguarding.audit.tables import AuditEventRow
from safeguarding.store.periods import within


def decisions_made(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """decision -> reviewers' decisions on cases made in the range (each one, so a case
    escalated and then confirmed counts under both)."""
    decision = AuditEventRow.details["decision"].as_string()
    query = (
        select(decision, func.count())
        .where(
            AuditEventRow.action == Event.CASE_DECIDE.value, within(AuditEventRow.at, start, end)
        )
        .group_by(decision)
    )
    return {str(d): int(n) for d, n in session.execute(query) if d is not None}
