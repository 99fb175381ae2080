"""Issue 16's whole route in Debian's Chromium, across two real Safeguarding instances on
127.0.0.1, each with its own database: a young person hashes two benign photos in the
portal and sends them, notes the case number and PIN; a hotline analyst approves the report
in the review workspace's hotline queue; a platform's instance, following the approved bank's
signed feed with the `safeguarding` exchange kind, blocks both photos and reports the
outcomes back (one its reviewer confirmed, one blocked without review); the status page
shows the report active, matched
on both platforms; the young person withdraws, and after its next fetch neither photo
matches on the platform, the one its reviewer confirmed included: a self-reported hash
never enters the platform's confirmed list."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

from safeguarding.banks.policy import BankPolicy
from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.errors import NotFoundError
from safeguarding.exchanges.feedback import CHANNEL as FEEDBACK
from safeguarding.exchanges.vault import new_key
from safeguarding.feeds.signing import FeedKey
from safeguarding.store.db import Database
from tests.conftest import PHOTOS, require_shared
from tests.fakes.setup import PASSWORD
from tests.web.conftest import browser_sign_in, serving
from tests.web.test_portal import portal_engine
from tests.web.test_portal_browser import submit_by_keyboard

pytestmark = pytest.mark.e2e
FEED = "self-report-approved"


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Engine]:
    """The subscribing platform: its own SQLite file, migrated as `db upgrade` does."""
    url = f"sqlite:///{tmp_path / 'platform.db'}"
    Database(url).upgrade()
    engine = Engine(Settings(database_url=url, exchange_key=new_key(), index_refresh_seconds=0.01))
    yield engine
    engine.close()


def match(base: str, token: str, photo: Path) -> dict[str, object]:
    answer = httpx.post(
        f"{base}/v1/match",
        headers={"Authorization": f"Bearer {token}"},
        files={"file": (photo.name, photo.read_bytes(), "image/jpeg")},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["results"][0])


def confirmed_entries(engine: Engine) -> int:
    try:
        return engine.banks.get_bank("confirmed").entry_count
    except NotFoundError:
        return 0


def status_page(page: Page, base: str, receipt: dict[str, str]) -> None:
    page.goto(f"{base}/report-remove/status")
    page.fill("#case_number", receipt["case_number"])
    page.fill("#pin", receipt["pin"])
    page.click('button[type="submit"]')


def test_report_approve_publish_match_withdraw_across_two_instances(
    browser: Browser, sqlite_url: str, platform: Engine, tmp_path: Path
) -> None:
    require_shared()
    photos = sorted(PHOTOS.glob("*.jpg"))[:2]
    key_file = tmp_path / "feed.pem"
    FeedKey.generate(key_file)
    hotline = portal_engine(sqlite_url, feed_key_file=str(key_file))
    hotline.users.create("hana", PASSWORD, "hotline", "test")
    hotline_api = hotline.keys.create("hotline-uploads", ["match"], "admin").token
    platform_api = platform.keys.create("platform-uploads", ["match"], "admin").token
    with serving(hotline) as hotline_server, serving(platform) as platform_server:
        base = hotline_server.url
        # the young person, on a phone
        person = browser.new_context(viewport={"width": 390, "height": 844})
        phone = person.new_page()
        receipt = submit_by_keyboard(phone, base, photos)

        # the operator publishes the approved bank to the platform's key
        subscriber = hotline.keys.create("platform-x", ["feeds:read"], "admin")
        hotline.feeds.grant(subscriber.key.key_id, FEED, "admin")
        platform.banks.create_bank("self-reports", "admin", policy=BankPolicy.of("block"))
        platform.exchanges.add(
            "hotline",
            "safeguarding",
            "self-reports",
            {"url": base, "feed": FEED, "token": subscriber.token},
            "admin",
        )
        # nothing is published before the hotline approves
        assert platform.fetcher.fetch("hotline").counts.added == 0
        assert not match(platform_server.url, platform_api, photos[0])["matched"]

        # the hotline analyst approves it from the queue
        staff = browser.new_context(viewport={"width": 1280, "height": 900})
        desk = staff.new_page()
        browser_sign_in(desk, base, "hana")
        desk.click('form[action="/review/hotline"] button')
        desk.wait_for_selector("text=What the young person sent")
        assert desk.locator("img").count() == 0  # hashes only: there is no picture
        desk.check("#verdict-confirm")
        desk.fill('textarea[name="reason"]', "the young person's own photos")
        desk.click('button:has-text("Record decision")')
        desk.wait_for_url(f"{base}/queue?*")

        # the platform follows the signed feed over HTTP and now blocks the photo
        fetched = platform.fetcher.fetch("hotline")
        assert fetched.counts.added > 0
        found = match(platform_server.url, platform_api, photos[0])
        assert found["matched"] and found["action"] == "block"
        assert {m["bank"] for m in found["matches"]} == {"self-reports"}  # type: ignore[attr-defined]
        # the platform's reviewer confirms it: the platform reports the outcome back to
        # the hotline's feed (its outbox, as its worker would send it)
        reviewer = platform.users.create("rita", PASSWORD, "reviewer", "test")
        case = platform.cases.get(int(found["case"]["id"]))  # type: ignore[index]
        said = platform.cases.review(case.id, reviewer).kept_out
        assert "self-reported images stay under the person's control" in said
        platform.cases.decide(case.id, reviewer, "confirm", "blocked", version=case.version)
        assert confirmed_entries(platform) == 0
        platform.outbox.run_once(FEEDBACK)
        # the other photo is blocked there without review: counted back as matched and
        # removed all the same
        assert match(platform_server.url, platform_api, photos[1])["action"] == "block"
        platform.outbox.run_once(FEEDBACK)
        # an upload of the other photo on the hotline's own service is blocked and counted
        assert match(base, hotline_api, photos[1])["action"] == "block"

        status_page(phone, base, receipt)
        assert phone.inner_text("#status") == "Active"
        # here: one upload; there: both photos, the confirmed one counted once
        assert phone.inner_text("#matched") == "Matched on 2 platforms, 3 times"
        assert phone.inner_text("#removed") == "3 times"

        # the young person withdraws: a tombstone in the feed; the platform stops matching
        phone.check('input[name="confirm"]')
        phone.click('text="Withdraw my report"')
        assert "You withdrew this report" in phone.inner_text(".notice")
        assert platform.fetcher.fetch("hotline").counts.removed == fetched.counts.added
        # both photos stop matching there, the one its reviewer confirmed too: a
        # self-reported hash never entered the platform's confirmed list
        for photo in photos:
            assert not match(platform_server.url, platform_api, photo)["matched"]
        assert confirmed_entries(platform) == 0
        person.close()
        staff.close()
    hotline.close()
