"""Time in aggregate SQL, the same on SQLite and PostgreSQL: the period a time falls in,
the seconds between two times, and nearest-rank percentiles of a duration per group, so
figures are summed by the database and never by a loop over rows.

SQLite keeps a time as text (`2026-11-30 20:01:00.000000`, UTC: store/models.py), which its
`strftime` and `julianday` read; PostgreSQL keeps `timestamptz`, read in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session


class Period(StrEnum):
    """How a report's range is divided. Persistent in report files: never rename."""

    ALL = "all"  # the whole range as one period
    MONTH = "month"
    DAY = "day"


_FORMATS = {Period.MONTH: ("%Y-%m", "YYYY-MM"), Period.DAY: ("%Y-%m-%d", "YYYY-MM-DD")}


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def utc(at: datetime) -> datetime:
    """A naive time is UTC; an aware one is turned to UTC (SQLite keeps no offset)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def within(column: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    """`column` in [start, end)."""
    return and_(column >= utc(start), column < utc(end))


def period_of(dialect: str, column: Any, by: Period) -> ColumnElement[str]:
    """The label of the period `column` falls in: `2026-11`, `2026-11-30`, or `all`."""
    if by is Period.ALL:
        return literal("all")
    lite, pg = _FORMATS[by]
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), pg)
    return func.strftime(lite, column)


def seconds_between(dialect: str, start: Any, end: Any) -> ColumnElement[float]:
    if dialect == "postgresql":
        return cast(func.extract("epoch", end - start), Float)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def percentiles(query: Select[Any, Any]) -> Select[Any, int, float, float]:
    """From a query of (group, seconds), one row per group: (group, n, median, p90), the
    nearest-rank percentiles (the value at rank ceil(p x n), so always one observed),
    computed in SQL with window functions."""
    inner = query.subquery()
    group, value = inner.c[0], inner.c[1]
    ranked = select(
        group.label("g"),
        value.label("v"),
        func.row_number().over(partition_by=group, order_by=value).label("rn"),
        func.count().over(partition_by=group).label("n"),
    ).subquery()
    # ceil(p x n) in integers: (n + 1) / 2 and (9n + 9) / 10, floor division on both backends
    return (
        select(
            ranked.c.g,
            func.max(ranked.c.n),
            func.max(case((ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.v))),
            func.max(case((ranked.c.rn == (ranked.c.n * 9 + 9) // 10, ranked.c.v))),
        )
        .group_by(ranked.c.g)
        .order_by(ranked.c.g)
    )
