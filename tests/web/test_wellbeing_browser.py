"""Wellbeing in Chromium, time driven by Playwright's clock (the page's Date and timers),
never by sleeping: settings applied to every page, a confirmed reveal blurred again after
the reviewer's set time, and the break prompt after the set minutes signed in."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from safeguarding.cases import intake
from safeguarding.cases.model import Subject
from safeguarding.demo import generated_image
from tests.web.conftest import LiveServer, browser_sign_in

pytestmark = pytest.mark.e2e


def test_settings_reveal_reblur_and_break(browser: Browser, live_server: LiveServer) -> None:
    engine = live_server.engine
    case_id = engine.cases.open(intake.from_user_report("csam", "", Subject("p1")), "t").case.id
    engine.previews.add(case_id, generated_image(3), "p1.jpg", "key:t")
    page = browser.new_page()
    page.clock.install()
    browser_sign_in(page, live_server.url, "rita")
    page.goto(f"{live_server.url}/settings")
    page.select_option("#blur", "medium")
    page.fill("#reblur_seconds", "10")
    page.check('input[name="greyscale"]')
    page.click("form.stack button[type=submit]")
    page.wait_for_selector("text=settings saved")

    page.goto(f"{live_server.url}/cases/{case_id}")
    assert page.get_attribute("body", "class") == "blur-medium size-medium grey"
    page.keyboard.press("r")  # reveal asks first
    page.wait_for_selector("#confirm-reveal")
    assert "for 10 seconds" in page.inner_text("main")
    page.check('input[value="whole"]')
    page.click("#confirm-reveal")
    page.wait_for_selector("img.revealed")
    page.clock.run_for(9_000)
    assert page.locator("img.revealed").count() == 1
    page.clock.run_for(1_500)
    assert page.locator("img.revealed").count() == 0  # the unblurred bytes left the page
    assert "Blurred again after 10 seconds." in page.inner_text("figure")

    assert not page.is_visible("#break-prompt")
    page.clock.run_for(91 * 60_000)  # 90 minutes signed in: a break is suggested
    page.wait_for_selector("#break-prompt[open]")
    assert "You have been reviewing for 90 minutes" in page.inner_text("#break-prompt")
    page.click("#break-prompt .snooze")
    assert not page.is_visible("#break-prompt")
    page.clock.run_for(14 * 60_000)
    assert not page.is_visible("#break-prompt")  # reminded only 15 minutes on
    page.clock.run_for(90_000)
    page.wait_for_selector("#break-prompt[open]")
