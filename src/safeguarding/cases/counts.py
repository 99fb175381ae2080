"""Cases summed for transparency reports (insights/transparency.py), in SQL: opened per
period and kind with where each stands now, final decisions with where each case stands
now, and the time from detection (the case opening) to the reviewer's decision, which sets
off its actions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, String, case, cast, func, select
from sqlalchemy.orm import Session

from safeguarding.cases.model import Status
from safeguarding.cases.tables import CaseRow
from safeguarding.store.periods import (
    Period,
    dialect_of,
    percentiles,
    period_of,
    seconds_between,
    within,
)

#: where a case stands now, as the report names it (each case is in exactly one)
STANDINGS = ("awaiting_review", "in_review", "escalated", "decided", "closed_undecided")


def opened(
    session: Session, start: datetime, end: datetime, by: Period
) -> dict[tuple[str, str, str], int]:
    """(period, kind, standing) -> cases opened in the range, and where each stands now
    (STANDINGS): not yet decided (awaiting review, held by a reviewer or asked for more
    information, escalated to a senior), given a final decision, or closed without one (a
    self-report withdrawn). One query, so the counts per kind agree however cases change."""
    period = period_of(dialect_of(session), CaseRow.created_at, by)
    # labels are a JSON list of plain words: its text holds "escalated" with the quotes
    escalated = cast(CaseRow.labels, String).like('%"escalated"%')
    standing = case(
        (CaseRow.decision.is_not(None), "decided"),
        (CaseRow.status == Status.CLOSED.value, "closed_undecided"),
        (escalated, "escalated"),
        (CaseRow.status == Status.IN_REVIEW.value, "in_review"),
        else_="awaiting_review",
    )
    query = (
        select(period, CaseRow.kind, standing, func.count())
        .where(within(CaseRow.created_at, start, end))
        .group_by(period, CaseRow.kind, standing)
    )
    return {(p, k, s): int(n) for p, k, s, n in session.execute(query)}


def decided(session: Session, start: datetime, end: datetime) -> dict[tuple[str, str, str], int]:
    """(kind, decision, status now) -> cases given a final decision in the range."""
    query = (
        select(CaseRow.kind, CaseRow.decision, CaseRow.status, func.count())
        .where(CaseRow.decision.is_not(None), within(CaseRow.decided_at, start, end))
        .group_by(CaseRow.kind, CaseRow.decision, CaseRow.status)
    )
    return {(k, str(d), s): int(n) for k, d, s, n in session.execute(query)}


def time_to_decision(
    session: Session, start: datetime, end: datetime
) -> dict[str, tuple[int, float, float]]:
    """kind -> (cases, median, 90th percentile seconds) from opening to final decision, of
    the cases decided in the range."""
    seconds = seconds_between(dialect_of(session), CaseRow.created_at, CaseRow.decided_at)
    query = select(CaseRow.kind, seconds).where(
        CaseRow.decision.is_not(None), within(CaseRow.decided_at, start, end)
    )
    return {k: (int(n), float(m), float(p)) for k, n, m, p in session.execute(percentiles(query))}


def detected_at() -> Select[int, datetime]:
    """(case id, when it was detected: opened) for other packages' figures to join."""
    return select(CaseRow.id.label("case_id"), CaseRow.created_at.label("detected_at"))
