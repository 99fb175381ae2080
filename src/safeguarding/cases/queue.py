"""The review queue, a page at a time, with the counts a reviewer needs to see its size:
cases per status (the tabs) and per priority (within the statuses shown)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safeguarding.cases.model import OPEN_STATUSES, Case, CaseKind, Priority, Status
from safeguarding.cases.tables import CaseRow
from safeguarding.errors import InvalidInputError

MAX_PER_PAGE = 200
#: deep enough for any queue; an offset past it would only make the database work
MAX_PAGE = 100_000


@dataclass(frozen=True)
class QueuePage:
    cases: list[Case]
    page: int  # from 1
    per_page: int
    total: int  # cases in the statuses shown
    by_status: dict[Status, int]  # every status, for the tabs
    by_priority: dict[Priority, int]  # within the statuses shown

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """Position of the page's first case (1-based), 0 when the page is empty."""
        return (self.page - 1) * self.per_page + 1 if self.cases else 0


def read_page(
    session: Session,
    to_case: Callable[[CaseRow], Case],
    *,
    statuses: tuple[Status, ...] = OPEN_STATUSES,
    page: int = 1,
    per_page: int = 50,
    kinds: tuple[CaseKind, ...] = tuple(CaseKind),
) -> QueuePage:
    """Most urgent first, then the nearest deadline; only cases of `kinds`, counts too."""
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInputError("page", f"must be 1 to {MAX_PAGE}")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInputError("per_page", f"must be 1 to {MAX_PER_PAGE}")
    shown = [s.value for s in statuses]
    of_kinds = CaseRow.kind.in_([k.value for k in kinds])
    by_status = {
        Status(status): int(count)
        for status, count in session.execute(
            select(CaseRow.status, func.count()).where(of_kinds).group_by(CaseRow.status)
        ).all()
    }
    by_priority = {
        Priority(priority): int(count)
        for priority, count in session.execute(
            select(CaseRow.priority, func.count())
            .where(CaseRow.status.in_(shown), of_kinds)
            .group_by(CaseRow.priority)
        ).all()
    }
    rows = session.scalars(
        select(CaseRow)
        .where(CaseRow.status.in_(shown), of_kinds)
        .order_by(CaseRow.priority, CaseRow.due_at, CaseRow.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return QueuePage(
        [to_case(r) for r in rows],
        page,
        per_page,
        sum(by_priority.values()),
        {s: by_status.get(s, 0) for s in Status},
        {p: by_priority.get(p, 0) for p in Priority},
    )
