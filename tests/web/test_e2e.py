"""The whole response flow, end to end: a match from the core engine opens a case, a
reviewer decides in the browser, the platform's webhook receiver on 127.0.0.1 gets the
signed action, a senior approves the CyberTipline report and the fake endpoint accepts it,
and `safeguarding audit verify` passes."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser
from typer.testing import CliRunner

from safeguarding.cli.main import app
from tests.fakes.receiver import ReceiverServer
from tests.fakes.setup import SECRET, Fakes, bank_of, response_engine, users
from tests.web.conftest import browser_sign_in, serving

pytestmark = pytest.mark.e2e


def _eventually(check: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.1)


def test_match_to_review_to_webhook_to_report(
    browser: Browser, sqlite_url: str, photos: list[Path]
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    receiver = ReceiverServer(SECRET, port).start()
    fakes = Fakes()
    engine = response_engine(
        sqlite_url,
        fakes,
        webhook_url=receiver.url,
        report_authorities=["ncmec"],
        worker_interval_seconds=0.2,
    )
    try:
        users(engine)
        image = photos[0].read_bytes()
        bank_of(engine, [image], "hotline-list")
        token = engine.keys.create("platform", ["match", "cases"], "test").token
        with serving(engine, worker=True) as server:
            # 1. the platform checks an upload; the match opens a case
            answer = httpx.post(
                f"{server.url}/v1/match",
                headers={"Authorization": f"Bearer {token}"},
                files={"file": ("up.jpg", image)},
                data={"content_id": "post-42", "account_id": "acct-42"},
                timeout=30,
            )
            assert answer.status_code == 200, answer.text
            result = answer.json()["results"][0]
            assert result["matched"] and result["case"]["created"]
            case_id = result["case"]["id"]

            # 2. a reviewer confirms it in the browser
            page = browser.new_page()
            browser_sign_in(page, server.url, "rita")
            page.click(f'a[href="/cases/{case_id}"]')
            page.check('input[value="confirm"]')
            page.fill('textarea[name="reason"]', "exact match to the hotline list")
            page.click('#decision button[type="submit"]')
            page.wait_for_selector("text=decision recorded")

            # 3. the platform's receiver gets the signed action
            _eventually(lambda: any(e["event"] == "case.decided" for e in receiver.events))
            decided = next(e for e in receiver.events if e["event"] == "case.decided")
            assert decided["case_id"] == case_id and decided["content_id"] == "post-42"
            assert decided["actions"] == ["remove_content", "restrict_account"]
            assert receiver.rejected == 0

            # 4. a senior approves the CyberTipline report; the fake endpoint accepts it
            page.click("form.inline button")  # sign out
            browser_sign_in(page, server.url, "sam")
            page.goto(f"{server.url}/reports")
            page.click("table a[href^='/reports/']")
            page.click("#approve")
            page.wait_for_selector("text=queued for sending")
            _eventually(lambda: engine.reports.list()[0].status == "accepted")
            report = engine.reports.list()[0]
            assert report.external_id in fakes.ncmec.reports
            assert fakes.ncmec.reports[report.external_id or ""].state == "finished"
            _eventually(lambda: engine.cases.get(case_id).status.value == "closed")
    finally:
        receiver.stop()
        engine.close()

    # 5. the audit trail is intact
    verified = CliRunner().invoke(app, ["--db", sqlite_url, "audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "audit chain intact" in verified.output
