"""The transparency page (/insights) in Chromium: axe-core finds no serious or critical
violation at 1280 px and 390 px, with withheld counts on it, for the whole range and by
day; the screenshots go to $SAFEGUARDING_SCREENSHOTS when set, to be looked at."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from safeguarding.banks.model import Action
from safeguarding.cases import intake
from safeguarding.cases.model import Subject
from safeguarding.insights.counters import Surface, Tally
from safeguarding.matching.result import Match, MatchResult
from tests.web.conftest import LiveServer, browser_sign_in, serious

pytestmark = pytest.mark.e2e

WIDTHS = {1280: 900, 390: 844}


def _seed(server: LiveServer) -> None:
    """Counts from today: many items checked, a few matched (withheld), user reports."""
    engine = server.engine
    now = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=5)
    tally = Tally()
    review = MatchResult([Match("known", 1, "pdq", 0, Action.REVIEW)])
    for surface, n, matched in ((Surface.MESSAGE, 60, 3), (Surface.PUBLIC_POST, 40, 12)):
        for i in range(n):
            tally.add(review if i < matched else MatchResult([]), ["pdq"], surface, now)
    engine.counters.record(tally)
    sam = next(u for u in engine.users.list() if u.username == "sam")
    for i in range(14):
        opened = engine.cases.open(intake.from_user_report("csam", "", Subject(f"p{i}")), "t")
        if i < 12:
            engine.cases.decide(opened.case.id, sam, "confirm", "seen", version=1)


def test_the_insights_page_has_no_serious_violation(
    browser: Browser, live_server: LiveServer, axe: str
) -> None:
    _seed(live_server)
    shots = os.environ.get("SAFEGUARDING_SCREENSHOTS")
    found: list[str] = []
    for width, height in WIDTHS.items():
        page = browser.new_page(viewport={"width": width, "height": height})
        browser_sign_in(page, live_server.url, "sam")  # a senior reviewer
        for by in ("all", "day"):
            page.goto(f"{live_server.url}/insights?by={by}")
            page.wait_for_load_state()
            assert page.locator("h1").inner_text() == "Transparency report"
            assert page.locator("td abbr").count() > 0  # withheld counts are on the page
            found += [f"{width}px by {by}: {v}" for v in serious(page, axe)]
            if shots:
                page.screenshot(
                    path=str(Path(shots) / f"insights-{by}-{width}.png"), full_page=True
                )
        page.close()
    assert found == [], "\n".join(found)
