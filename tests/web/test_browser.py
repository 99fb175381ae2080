"""The review pages in a real browser: Debian's Chromium, headless, through Playwright."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from safeguarding.cases import intake
from safeguarding.cases.model import Status, Subject
from safeguarding.demo import generated_image
from tests.web.conftest import LiveServer, browser_sign_in

pytestmark = pytest.mark.e2e


def _case(server: LiveServer) -> int:
    engine = server.engine
    case_id = engine.cases.open(
        intake.from_user_report("csam", "reported by a user", Subject("post-7", "acct-7")), "t"
    ).case.id
    engine.previews.add(case_id, generated_image(3), "post-7.jpg", "key:t")
    return case_id


def test_queue_decision_with_shortcuts_and_reveal(
    browser: Browser, live_server: LiveServer
) -> None:
    case_id = _case(live_server)
    page = browser.new_page()
    browser_sign_in(page, live_server.url, "rita")
    assert page.locator("tr[data-href]").count() == 1
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/cases/{case_id}")
    assert page.locator("img.blurred").count() == 1
    page.click("a.reveal")
    page.click("#confirm-reveal")
    page.wait_for_selector("img.revealed")
    page.goto(f"{live_server.url}/cases/{case_id}")
    page.keyboard.press("c")  # selects "confirm" and moves to the reason
    assert page.is_checked('input[value="confirm"]')
    page.keyboard.type("matches the report; remove")
    page.select_option('select[name="classification"]', "B2")
    page.click('#decision button[type="submit"]')
    page.wait_for_selector("text=decision recorded")
    case = live_server.engine.cases.get(case_id)
    assert case.status is Status.DECIDED or case.status is Status.ACTIONED
    assert case.decided_by == "rita" and case.classification is not None
    with live_server.engine.db.read() as session:
        actions = [e.action for e in live_server.engine.audit.recent(session, limit=50)]
    assert "evidence.reveal" in actions and "case.decide" in actions


def test_a_tampered_csrf_token_is_refused(browser: Browser, live_server: LiveServer) -> None:
    case_id = _case(live_server)
    page = browser.new_page()
    browser_sign_in(page, live_server.url, "rita")
    page.goto(f"{live_server.url}/cases/{case_id}")
    page.eval_on_selector_all(
        'input[name="csrf_token"]', "els => els.forEach(e => e.value = 'forged')"
    )
    page.check('input[value="false_positive"]')
    page.fill('textarea[name="reason"]', "looks fine")
    page.click('#decision button[type="submit"]')
    assert page.locator(".error").inner_text().startswith("the form's security token")
    assert live_server.engine.cases.get(case_id).status is Status.NEW


def test_a_reviewer_sees_no_admin_link_and_is_refused_the_page(
    browser: Browser, live_server: LiveServer
) -> None:
    page = browser.new_page()
    browser_sign_in(page, live_server.url, "rita")
    assert page.locator('a[href="/admin"]').count() == 0
    response = page.goto(f"{live_server.url}/admin")
    assert response is not None and response.status == 403
