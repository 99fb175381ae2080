"""The transparency report page: seniors and admins only, its range from the query."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from safeguarding.engine import Engine
from safeguarding.insights.counters import Surface, Tally
from safeguarding.matching.result import MatchResult
from tests.web.conftest import sign_in


def test_seniors_see_the_report_for_the_range_asked(client: TestClient, web_engine: Engine) -> None:
    tally = Tally()
    for _ in range(27):
        tally.add(MatchResult([]), ["md5"], Surface.COMMENT, datetime(2026, 2, 10, tzinfo=UTC))
    web_engine.counters.record(tally)
    sign_in(client, "sam")
    page = client.get("/insights?from=2026-02-01&to=2026-03-01&by=month")
    assert page.status_code == 200, page.text
    assert "Transparency report" in page.text and "2026-02" in page.text and "27" in page.text
    assert 'href="/insights"' in page.text  # in the navigation
    default = client.get("/insights")  # the last 30 days
    assert default.status_code == 200 and "27" not in default.text


def test_reviewers_may_not_and_bad_dates_are_refused(client: TestClient) -> None:
    sign_in(client, "rita")
    assert client.get("/insights").status_code == 403
    assert 'href="/insights"' not in client.get("/queue").text
    sign_in(client, "ada")
    assert client.get("/insights?from=2026-02-30").status_code == 422
    assert client.get("/insights?by=week").status_code == 422
    assert client.get("/insights?from=2026-03-01&to=2026-02-01").status_code == 422
