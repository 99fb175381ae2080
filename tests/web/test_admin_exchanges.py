"""The admin page's Exchanges section: each exchange's kind, bank, last fetch, checkpoint,
counts and last error; no credential ever reaches the page; axe-core finds no serious or
critical violation at 390 and 1280 px."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from safeguarding.engine import Engine
from safeguarding.errors import ExchangeError
from safeguarding.exchanges.vault import new_key
from safeguarding.server import create_app
from tests.fakes.setup import Fakes, response_engine, users
from tests.web.conftest import browser_sign_in, serious, serving, sign_in

TOKEN = "tok-Zq81-never-shown-7c1e"
PDQS = [f"{i:02x}" * 32 for i in (0x11, 0x22, 0x33)]


@pytest.fixture
def engine(sqlite_url: str, tmp_path: Path) -> Iterator[Engine]:
    instance = response_engine(sqlite_url, Fakes(), exchange_key=new_key())
    users(instance)
    instance.banks.create_bank("partner", "admin")
    listing = tmp_path / "list.jsonl"
    listing.write_text(
        "".join(json.dumps({"signal_type": "pdq", "value": v}) + "\n" for v in PDQS)
        + json.dumps({"signal_type": "tmk", "value": "x"})
        + "\n"
    )
    instance.exchanges.add("partner-list", "file", "partner", {"url": str(listing)}, "ada")
    instance.fetcher.fetch("partner-list")
    # a feed whose publisher is down: the fetch fails, its token must stay hidden
    instance.exchanges.add(
        "hotline",
        "safeguarding",
        "partner",
        {"url": "http://127.0.0.1:9", "feed": "shared", "token": TOKEN},
        "ada",
    )
    with pytest.raises(ExchangeError):
        instance.fetcher.fetch("hotline")
    yield instance
    instance.close()


def _section(html: str) -> str:
    found = re.search(r'<section aria-labelledby="exchanges-heading">(.*?)</section>', html, re.S)
    assert found is not None
    return found.group(1)


def test_the_section_shows_each_exchanges_status(engine: Engine) -> None:
    with TestClient(create_app(engine=engine), follow_redirects=False) as client:
        sign_in(client, "ada")
        page = client.get("/admin")
    assert page.status_code == 200
    rows = re.findall(r"<tr><td>(.*?)</tr>", _section(page.text), re.S)
    by_name = {row.split("</td>")[0]: row for row in rows}
    listed, failing = by_name["partner-list"], by_name["hotline"]
    cells = re.findall(r"<td>(.*?)</td>", "<td>" + listed, re.S)
    assert cells[1:3] == ["file", "partner"]
    assert cells[3].startswith("ok")
    assert cells[5:9] == ["4", "3", "0", "1"]  # fetched, added, removed, skipped (tmk)
    assert re.search(r"(&#34;|&quot;|\")done", cells[9])
    assert "safeguarding" in failing and "failing" in failing and "never" not in failing
    assert "start" in failing  # no checkpoint yet


def test_no_credential_reaches_the_page(engine: Engine) -> None:
    with TestClient(create_app(engine=engine), follow_redirects=False) as client:
        sign_in(client, "ada")
        html = client.get("/admin").text
    assert engine.exchanges.get("hotline").last_error  # the error is on the page...
    assert TOKEN not in html and TOKEN[4:12] not in html  # ...the token is not


def test_a_reviewer_does_not_see_it(engine: Engine) -> None:
    with TestClient(create_app(engine=engine), follow_redirects=False) as client:
        sign_in(client, "rita")
        assert client.get("/admin").status_code == 403


@pytest.mark.e2e
def test_no_serious_violation_at_either_width(browser: Browser, engine: Engine, axe: str) -> None:
    found: list[str] = []
    with serving(engine) as server:
        for width, height in ((1280, 900), (390, 844)):
            page = browser.new_page(viewport={"width": width, "height": height})
            browser_sign_in(page, server.url, "ada")
            page.goto(f"{server.url}/admin")
            page.wait_for_load_state()
            assert page.locator("#exchanges tbody tr").count() == 2
            found += [f"{width}px: {v}" for v in serious(page, axe)]
            page.close()
    assert found == [], "\n".join(found)
