"""Accessibility: axe-core (from npm, tests/web/axe) finds no serious or critical violation
on any page state, at 1280 px and 390 px wide, in Chromium; and a reviewer can work a case
with the keyboard alone."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from safeguarding.cases import intake
from safeguarding.cases.model import Subject
from safeguarding.matching.matcher import QuerySignal
from safeguarding.store.models import utcnow
from tests.selfreport.test_service import PDQ as SELF_REPORTED_PDQ
from tests.selfreport.test_service import body as self_report_body
from tests.web.conftest import LiveServer, browser_sign_in, serious
from tests.web.kinds import Kinds, open_each_kind

pytestmark = pytest.mark.e2e

WIDTHS = {1280: 900, 390: 844}
#: where the screenshots go when SAFEGUARDING_SCREENSHOTS names a folder (to look at them)
SHOTS = os.environ.get("SAFEGUARDING_SCREENSHOTS")


@pytest.fixture
def seeded(live_server: LiveServer) -> tuple[LiveServer, Kinds, int, dict[str, int]]:
    """A case of each kind, a confirmed one with its report drafts, a confirmed match on a
    self-reported hash (kept out of the confirmed bank), and a closed self-report whose
    hashes the retention purge deleted."""
    engine = live_server.engine
    kinds = open_each_kind(engine)
    sam = next(u for u in engine.users.list() if u.username == "sam")
    confirmed = engine.cases.open(
        intake.from_user_report("csam", "reported", Subject("post-60", "acct-60")), "key:t"
    ).case.id
    engine.cases.decide(confirmed, sam, "confirm", "seen", version=1)
    # a self-report, in the hotline queue (ada, an admin, works it)
    receipt = engine.self_reports.submit(self_report_body(3), "10.9.9.9")
    hotline = engine.self_reports.status(receipt.case_number, receipt.pin, "10.9.9.9")
    assert hotline.review_case is not None
    engine.matcher.refresh()
    found = engine.match_signals([QuerySignal("pdq", SELF_REPORTED_PDQ, 100)])
    kept = engine.open_match_case(found, {"pdq": SELF_REPORTED_PDQ}, Subject("post-61"))
    assert kept is not None
    engine.cases.decide(kept.case.id, sam, "confirm", "seen", version=kept.case.version)
    gone = engine.self_reports.submit(self_report_body(4), "10.9.9.9")
    engine.self_reports.withdraw(gone.case_number, gone.pin, "10.9.9.9")
    later = utcnow() + timedelta(days=engine.settings.self_report_retention_days + 1)
    engine.self_reports.clock = lambda: later
    assert engine.self_reports.purge()[0] > 0
    engine.self_reports.clock = utcnow
    purged = engine.self_reports.status(gone.case_number, gone.pin, "10.9.9.9").review_case
    return (
        live_server,
        replace(kinds, self_report=hotline.review_case),
        engine.reports.list(case_id=confirmed)[0].id,
        {"kept": kept.case.id, "purged": purged or 0},
    )


#: each page state: (name, who is signed in, steps: "goto:URL", "click:SEL", "check:SEL")
def _states(kinds: Kinds, report_id: int, more: dict[str, int]) -> list[tuple[str, str, list[str]]]:
    match, chat = f"goto:/cases/{kinds.match}", f"goto:/cases/{kinds.conversation}"
    return [
        ("login", "", ["goto:/login"]),
        ("queue", "rita", ["goto:/queue"]),
        ("match case", "rita", [match]),
        ("match case, verdict chosen", "rita", [match, "check:#verdict-confirm"]),
        ("conversation case", "rita", [chat]),
        ("user report case", "rita", [f"goto:/cases/{kinds.report}"]),
        (
            "in a round, skip open",
            "rita",
            [
                "goto:/queue",
                "click:form[action='/review/reports'] button",
                "click:details.skip summary",
            ],
        ),
        ("reveal prompt", "rita", [match, "click:a.reveal"]),
        ("revealed", "rita", [match, "click:a.reveal", "click:#confirm-reveal"]),
        ("decided case", "sam", [f"goto:/cases/{kinds.earlier}"]),
        ("settings (a senior's)", "sam", ["goto:/settings"]),
        ("reports", "sam", ["goto:/reports"]),
        ("report", "sam", [f"goto:/reports/{report_id}"]),
        ("admin", "ada", ["goto:/admin"]),
        ("self-report case", "ada", [f"goto:/cases/{kinds.self_report}"]),
        ("confirmed match on a self-report", "sam", [f"goto:/cases/{more['kept']}"]),
        ("purged self-report case", "ada", [f"goto:/cases/{more['purged']}"]),
        ("error", "rita", ["goto:/cases/999999"]),
    ]


def _do(page: Page, base: str, steps: list[str]) -> None:
    for step in steps:
        verb, _, target = step.partition(":")
        if verb == "goto":
            page.goto(base + target)
        elif verb == "click":
            page.click(target)
        else:
            page.check(target)
    page.wait_for_load_state()


def test_no_serious_violation_on_any_page_state(
    browser: Browser, seeded: tuple[LiveServer, Kinds, int, dict[str, int]], axe: str
) -> None:
    server, kinds, report_id, more = seeded
    found: list[str] = []
    for width, height in WIDTHS.items():
        pages: dict[str, Page] = {}
        for name, who, steps in _states(kinds, report_id, more):
            if who not in pages:
                pages[who] = browser.new_page(viewport={"width": width, "height": height})
                if who:
                    browser_sign_in(pages[who], server.url, who)
            _do(pages[who], server.url, steps)
            if SHOTS:
                Path(SHOTS).mkdir(parents=True, exist_ok=True)
                pages[who].screenshot(
                    path=f"{SHOTS}/review-{width}-{name.replace(' ', '-')}.png", full_page=True
                )
            found += [f"{width}px {name}: {v}" for v in serious(pages[who], axe)]
        for page in pages.values():
            page.close()
    assert found == [], "\n".join(found)
