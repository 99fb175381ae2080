"""The self-report portal in Debian's Chromium: a whole submission of two benign photos by
keyboard only, with every request the page and its workers make recorded: none may carry
the photos' bytes or any field but the documented ones. Then the owner's status page."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Request

from safeguarding.engine import Engine
from safeguarding.hashing import hash_bytes
from safeguarding.matching.matcher import QuerySignal
from safeguarding.selfreport import Status
from tests.conftest import PHOTOS, require_shared
from tests.web.conftest import LiveServer, serving
from tests.web.test_portal import portal_engine

pytestmark = pytest.mark.e2e

SENT_FIELDS = {"submission_id", "category", "files"}
FILE_FIELDS = {"md5", "sha256", "pdq"}
PDQ_FIELDS = {"view", "hash", "quality"}


@pytest.fixture
def portal_server(sqlite_url: str) -> Iterator[LiveServer]:
    engine = portal_engine(sqlite_url)
    with serving(engine) as server:
        yield server
    engine.close()


def tab_to(page: Page, selector: str, limit: int = 40) -> None:
    """Press Tab until `selector` has the focus (as a keyboard user moves)."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def wait_until(page: Page, expression: str, seconds: float = 60) -> None:
    """Poll an expression (wait_for_function evaluates a string, which the portal's
    Content-Security-Policy forbids, rightly)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"never true: {expression}"
        page.wait_for_timeout(100)


def submit_by_keyboard(page: Page, base: str, photos: list[Path]) -> dict[str, str]:
    """Walk a submission by keyboard alone, the file chooser opened with Space."""
    # Playwright turns file-chooser interception on when the first listener is added, without
    # waiting for it (fire and forget), and off when the last goes: a chooser opened before
    # the browser heard is a real dialog that never reports (1 run in 3 timed out, idle
    # machine). A listener from the start keeps interception on before Space is pressed.
    page.on("filechooser", lambda _: None)
    page.goto(f"{base}/report-remove")
    tab_to(page, 'a[href="/report-remove/report"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/report-remove/report")
    tab_to(page, "#files")
    with page.expect_file_chooser(timeout=120_000) as opened:
        page.keyboard.press("Space")
    opened.value.set_files([str(p) for p in photos])
    wait_until(
        page,
        "[...document.querySelectorAll('#file-list .state')]"
        ".filter(s => s.textContent.startsWith('Done')).length === 2",
    )
    bars = page.eval_on_selector_all("#file-list progress", "bs => bs.map(b => b.value)")
    assert bars == [1, 1]
    tab_to(page, 'input[name="category"]')
    page.keyboard.press("ArrowDown")  # radio group: the arrow moves and checks
    assert page.eval_on_selector('input[name="category"]:checked', "e => e.value") == "sexual"
    tab_to(page, "#consent")
    page.keyboard.press("Space")
    tab_to(page, "#send")
    page.keyboard.press("Enter")
    page.wait_for_selector("#saved:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "save-heading"
    receipt = {"case_number": page.inner_text("#case-number"), "pin": page.inner_text("#pin")}
    assert not page.is_visible("#done")  # not before they say they saved them
    tab_to(page, "#saved-check")
    page.keyboard.press("Space")
    tab_to(page, "#done")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/report-remove/status")
    return receipt


def test_a_whole_submission_by_keyboard_sends_only_hashes(
    browser: Browser, portal_server: LiveServer
) -> None:
    require_shared()
    photos = sorted(PHOTOS.glob("*.jpg"))[:2]
    context = browser.new_context(viewport={"width": 390, "height": 844})
    requests: list[Request] = []
    context.on("request", lambda r: requests.append(r))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    receipt = submit_by_keyboard(page, portal_server.url, photos)
    assert errors == []

    # every request: this origin; GETs of pages and static files, one POST of hashes
    posts = [r for r in requests if r.method != "GET"]
    assert all(r.url.startswith(portal_server.url + "/") for r in requests), [
        r.url for r in requests
    ]
    assert [(r.method, r.url) for r in posts] == [
        ("POST", f"{portal_server.url}/report-remove/submissions")
    ]
    gets = [r.url[len(portal_server.url) :] for r in requests if r.method == "GET"]
    assert all(url.startswith(("/report-remove", "/static/")) and "?" not in url for url in gets), (
        gets
    )
    raw = posts[0].post_data_buffer or b""
    for photo in photos:
        data = photo.read_bytes()
        for start in range(0, len(data) - 64, max(64, len(data) // 50)):
            assert data[start : start + 64] not in raw
    sent = json.loads(raw)
    assert set(sent) == SENT_FIELDS and sent["category"] == "sexual"
    assert len(sent["files"]) == 2
    for file, photo in zip(sent["files"], photos, strict=True):
        assert set(file) == FILE_FIELDS
        assert all(set(view) == PDQ_FIELDS for view in file["pdq"])
        expected = hash_bytes(photo.read_bytes(), crops=True)
        assert file["sha256"] == expected.primary()["sha256"]
        server = {s.view: s.value for s in expected.signals if s.type == "pdq"}
        assert {v["view"]: v["hash"] for v in file["pdq"]} == server

    # the photos now match here, for review; the owner checks the case and withdraws it
    engine: Engine = portal_server.engine
    first_pdq = sent["files"][0]["pdq"][0]["hash"]
    engine.matcher.refresh()
    assert engine.match_signals([QuerySignal("pdq", first_pdq)]).matched
    page.fill("#case_number", receipt["case_number"])
    page.fill("#pin", receipt["pin"])
    page.click('button[type="submit"]')
    assert "We have your report" in page.inner_text(".notice")
    page.check('input[name="confirm"]')
    page.click('text="Withdraw my report"')
    assert "You withdrew this report" in page.inner_text(".notice")
    engine.matcher.refresh()
    assert not engine.match_signals([QuerySignal("pdq", first_pdq)]).matched
    view = engine.self_reports.status(receipt["case_number"], receipt["pin"], "10.0.0.1")
    assert view.status is Status.WITHDRAWN and view.files == 2
    context.close()


def test_without_javascript_the_page_explains_and_offers_no_upload(
    browser: Browser, portal_server: LiveServer
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{portal_server.url}/report-remove/report")
    assert "This page needs JavaScript" in page.inner_text("main")
    assert not page.is_visible("#files") and not page.is_visible("#send")
    context.close()
