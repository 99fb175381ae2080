"""Self-reports summed for transparency reports, in SQL: submissions and withdrawals per
period. What a report holds is never read here: only its times and status."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safeguarding.selfreport.model import Status
from safeguarding.selfreport.tables import SelfReportRow
from safeguarding.store.periods import Period, dialect_of, period_of, within


def activity(
    session: Session, start: datetime, end: datetime, by: Period
) -> dict[tuple[str, str], int]:
    """(period, "submitted" | "withdrawn") -> self-reports submitted, and withdrawn (their
    hashes left the bank), in each period."""
    row = SelfReportRow
    dialect = dialect_of(session)
    out: dict[tuple[str, str], int] = {}
    for name, column, extra in (
        ("submitted", row.created_at, []),
        ("withdrawn", row.updated_at, [row.status == Status.WITHDRAWN.value]),
    ):
        period = period_of(dialect, column, by)
        query = (
            select(period, func.count()).where(within(column, start, end), *extra).group_by(period)
        )
        out.update({(p, name): int(n) for p, n in session.execute(query)})
    return out
