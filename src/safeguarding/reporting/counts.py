"""Reports to the authorities summed for transparency reports, in SQL: those sent in a
range per authority and where each stands, and the time from detection to sending."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safeguarding.cases.counts import detected_at
from safeguarding.reporting.tables import ReportRow
from safeguarding.store.periods import dialect_of, percentiles, seconds_between, within


def sent(session: Session, start: datetime, end: datetime) -> dict[tuple[str, str], int]:
    """(authority, status now) -> reports submitted in the range."""
    query = (
        select(ReportRow.authority, ReportRow.status, func.count())
        .where(within(ReportRow.submitted_at, start, end))
        .group_by(ReportRow.authority, ReportRow.status)
    )
    return {(a, s): int(n) for a, s, n in session.execute(query)}


def time_to_report(
    session: Session, start: datetime, end: datetime
) -> dict[str, tuple[int, float, float]]:
    """authority -> (reports, median, 90th percentile seconds) from the case's detection to
    the report's submission, of the reports submitted in the range."""
    cases = detected_at().subquery()
    seconds = seconds_between(dialect_of(session), cases.c.detected_at, ReportRow.submitted_at)
    query = (
        select(ReportRow.authority, seconds)
        .join(cases, cases.c.case_id == ReportRow.case_id)
        .where(within(ReportRow.submitted_at, start, end))
    )
    return {a: (int(n), float(m), float(p)) for a, n, m, p in session.execute(percentiles(query))}
