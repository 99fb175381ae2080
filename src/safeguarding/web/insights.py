"""The transparency report as a page, for senior reviewers and admins (docs/insights.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from safeguarding.auth.users import Role
from safeguarding.errors import InvalidInputError
from safeguarding.inputs import choice
from safeguarding.insights.report_files import tables_html
from safeguarding.shells import engine_of
from safeguarding.store.periods import Period
from safeguarding.web.common import Reviewer, act, page

router = APIRouter(include_in_schema=False)
#: the page's range when none is asked for: the last 30 days
DEFAULT_DAYS = 30


def _day(field: str, value: str) -> datetime:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInputError(field, "must be a date, e.g. 2026-11-01") from None


@router.get("/insights")
async def transparency_page(
    request: Request,
    session: Reviewer,
    start: Annotated[str, Query(alias="from", max_length=10)] = "",
    end: Annotated[str, Query(alias="to", max_length=10)] = "",
    by: Annotated[str, Query(max_length=10)] = Period.ALL.value,
) -> Response:
    def work() -> Response:
        session.user.require(Role.SENIOR)
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        until = _day("to", end) if end else today + timedelta(days=1)
        since = _day("from", start) if start else until - timedelta(days=DEFAULT_DAYS)
        report = engine_of(request).transparency(since, until, by=choice("by", Period, by))
        return page(
            request,
            "insights.html",
            {
                "report": report,
                "tables": tables_html(report),
                "start": since.date().isoformat(),
                "end": until.date().isoformat(),
                "periods": list(Period),
            },
            session=session,
        )

    return await act(request, session, work, check_csrf=False)
