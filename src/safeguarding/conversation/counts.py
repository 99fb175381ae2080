"""Conversation alerts summed for transparency reports, in SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safeguarding.conversation.tables import ConversationRow
from safeguarding.store.periods import within


def alerts(session: Session, start: datetime, end: datetime) -> dict[tuple[str, str], int]:
    """(tier now, category) -> conversations that first alerted in the range."""
    row = ConversationRow
    category = func.coalesce(row.category, "unknown")
    query = (
        select(row.tier, category, func.count())
        .where(row.alert.is_(True), within(row.alerted_at, start, end))
        .group_by(row.tier, category)
    )
    return {(t, c): int(n) for t, c, n in session.execute(query)}
