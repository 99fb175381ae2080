"""The self-report portal for everyone: axe-core (from npm, tests/web/axe) finds no serious
or critical violation on any portal page state at 390 px (a phone) and 1280 px wide, in
Chromium. Keyboard-only submission is tests/web/test_portal_browser.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.conftest import PHOTOS, require_shared
from tests.web.conftest import LiveServer, serious, serving
from tests.web.test_portal import portal_engine
from tests.web.test_portal_browser import wait_until

pytestmark = pytest.mark.e2e

WIDTHS = {390: 844, 1280: 900}
#: where the screenshots go when SAFEGUARDING_SCREENSHOTS names a folder (to look at them)
SHOTS = os.environ.get("SAFEGUARDING_SCREENSHOTS")


@pytest.fixture
def portal_server(sqlite_url: str) -> Iterator[LiveServer]:
    engine = portal_engine(sqlite_url)
    with serving(engine) as server:
        yield server
    engine.close()


def _states(page: Page, base: str, photos: list[Path]) -> Iterator[str]:
    """Walk every page and state of the portal, yielding each one's name."""
    for path, name in (
        ("", "start"),
        ("/adult", "adult"),
        ("/someone-else", "someone else"),
        ("/status", "status form"),
    ):
        page.goto(f"{base}/report-remove{path}")
        yield name
    page.goto(f"{base}/report-remove/report")
    yield "report, empty"
    page.set_input_files("#files", [str(p) for p in photos])
    wait_until(
        page,
        "[...document.querySelectorAll('#file-list .state')]"
        ".filter(s => s.textContent.startsWith('Done')).length === 2",
    )
    page.check('input[value="nude"]')
    page.check("#consent")
    yield "report, hashed and ready"
    page.click("#send")
    page.wait_for_selector("#saved:not([hidden])")
    number, pin = page.inner_text("#case-number"), page.inner_text("#pin")
    page.check("#saved-check")
    yield "case number and PIN"
    page.goto(f"{base}/report-remove/status")
    page.fill("#case_number", number)
    page.fill("#pin", "00000000")
    page.click('button[type="submit"]')
    yield "status, wrong PIN"
    page.fill("#pin", pin)
    page.click('button[type="submit"]')
    yield "status"
    page.check('input[name="confirm"]')
    page.click('text="Withdraw my report"')
    yield "withdrawn"


@pytest.mark.parametrize("width", list(WIDTHS))
def test_no_serious_violation_on_any_portal_page(
    browser: Browser, portal_server: LiveServer, axe: str, width: int
) -> None:
    require_shared()
    photos = sorted(PHOTOS.glob("*.jpg"))[2:4]
    page = browser.new_page(viewport={"width": width, "height": WIDTHS[width]})
    found: dict[str, list[str]] = {}
    seen = []
    for state in _states(page, portal_server.url, photos):
        seen.append(state)
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(
                path=f"{SHOTS}/portal-{width}-{state.replace(' ', '-')}.png", full_page=True
            )
        if problems := serious(page, axe):
            found[state] = problems
        # the content is never wider than the screen (no sideways scrolling on a phone)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, state
    assert len(seen) == 10
    assert found == {}
    page.close()
