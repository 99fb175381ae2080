"""A moderator's shift in Chromium, with the keyboard only and time driven by Playwright's
clock: sign in, set blur and greyscale, start reviewing, reveal one quarter of an image
(confirmed, only that quarter sent, blurred again after the set time), decide three cases of
different kinds (one with a video, shown as keyframes that never play), take the break
prompt, and see what each decision set off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from safeguarding.audit.events import Event
from safeguarding.cases.model import Status
from safeguarding.engine import Engine
from tests.fakes.setup import PASSWORD, Fakes, response_engine, users
from tests.web.conftest import LiveServer, serving
from tests.web.kinds import open_each_kind

pytestmark = pytest.mark.e2e

#: the match's preview as stored (tests/web/kinds.py: a 640 x 480 picture, kept whole)
PREVIEW_WIDTH = 640


@pytest.fixture
def server(sqlite_url: str) -> Iterator[LiveServer]:
    # webhooks on (nothing listens: deliveries wait in the outbox, listed as pending)
    engine: Engine = response_engine(sqlite_url, Fakes(), webhook_url="http://127.0.0.1:9/")
    users(engine)
    with serving(engine) as live:
        yield live
    engine.close()


def tab_to(page: Page, selector: str, presses: int = 60) -> None:
    """Tab until the element has the focus: it is reachable by keyboard, in order."""
    for _ in range(presses):
        if page.evaluate(
            "s => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with Tab")


def decide(page: Page, key: str, reason: str) -> None:
    page.keyboard.press(key)  # chooses the verdict and moves to the reason
    page.keyboard.type(reason)
    tab_to(page, "#decision button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_moderators_shift_by_keyboard(browser: Browser, server: LiveServer) -> None:
    engine, base = server.engine, server.url
    kinds = open_each_kind(engine)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.clock.install()

    # sign in
    page.goto(f"{base}/login")
    tab_to(page, "input[name=username]")
    page.keyboard.type("rita")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{base}/queue"

    # settings: medium blur, greyscale kept on, re-blur after 10 seconds
    tab_to(page, "a[href='/settings']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "#blur")
    page.keyboard.press("ArrowUp")  # strong -> medium
    tab_to(page, "input[name=greyscale]")
    assert page.is_checked("input[name=greyscale]")
    tab_to(page, "#reblur_seconds")
    page.keyboard.press("Control+A")
    page.keyboard.type("10")
    tab_to(page, "form.stack button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "settings saved" in page.inner_text("main")
    assert "blur-medium" in (page.get_attribute("body", "class") or "")

    # start reviewing the matches
    page.keyboard.press("q")
    page.wait_for_url(f"{base}/queue")
    tab_to(page, "form[action='/review/matches'] button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.startswith(f"{base}/cases/{kinds.match}?queue=matches")

    # reveal one quarter of the preview: asked first, blurred again after 10 seconds
    with page.expect_navigation():
        page.keyboard.press("r")
    tab_to(page, "input[name=region]")  # a radio group: Tab enters it, arrows choose
    page.keyboard.press("ArrowDown")  # the top left quarter (the default) -> top right
    assert page.is_checked("input[value=top-right]")
    tab_to(page, "#confirm-reveal")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("img.revealed").count() == 1
    # the browser holds only that quarter's pixels (cut on the server), over the blurred whole
    revealed = page.evaluate(
        "[document.querySelector('img.revealed').naturalWidth, "
        "document.querySelector('img.under').naturalWidth]"
    )
    assert revealed[0] == PREVIEW_WIDTH // 2 and revealed[1] < PREVIEW_WIDTH
    # ... and drawn over the top right quarter of the blurred picture, not beside it
    part, whole = (page.locator(s).bounding_box() for s in ("img.revealed", "img.under"))
    assert part and whole
    assert part["x"] + part["width"] == pytest.approx(whole["x"] + whole["width"], abs=1)
    assert part["y"] == pytest.approx(whole["y"], abs=1)
    assert part["width"] == pytest.approx(whole["width"] / 2, abs=1)
    page.clock.run_for(10_500)
    assert page.locator("img.revealed").count() == 0
    assert "grey" in (page.get_attribute("body", "class") or "")
    with engine.db.read() as session:
        reveal = engine.audit.recent(session, action=Event.EVIDENCE_REVEAL)[0]
    assert (reveal.actor, reveal.details["region"]) == ("user:rita", "top-right")

    # three decisions, three kinds of case; the next case opens, or the queue when none
    page.goto(f"{base}/cases/{kinds.match}?queue=matches")
    decide(page, "c", "exact copy of a listed image")
    assert "Nothing else waits in Matches" in page.inner_text("main")
    tab_to(page, "form[action='/review/conversations'] button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"/cases/{kinds.conversation}?queue=conversations" in page.url
    decide(page, "c", "an adult asking a child for secrecy and pictures")
    tab_to(page, "form[action='/review/reports'] button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"/cases/{kinds.report}?queue=reports" in page.url
    # its video: four blurred keyframes, nothing that could play or make a sound
    assert "A video, shown as four keyframes" in page.inner_text("main")
    assert page.locator("video, audio").count() == 0
    decide(page, "f", "ordinary chat, nothing wrong")
    assert "Case " in page.inner_text("main")

    # ninety minutes in, a break is suggested; Escape closes the prompt
    page.clock.run_for(90 * 60_000)
    page.wait_for_selector("#break-prompt[open]")
    page.keyboard.press("Escape")
    assert not page.is_visible("#break-prompt")

    # what each decision set off
    for case_id, expected in (
        (kinds.match, "To the platform: decided (remove content, restrict account), pending"),
        (kinds.conversation, "To the platform: decided (restrict account), pending"),
        (kinds.report, "To the platform: decided, pending"),
    ):
        assert engine.cases.get(case_id).status is Status.DECIDED
        page.goto(f"{base}/cases/{case_id}")
        assert expected in page.inner_text("ul.sent")
    page.goto(f"{base}/cases/{kinds.match}")
    assert "ncmec report" in page.inner_text("main")
