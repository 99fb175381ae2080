"""The self-report portal's pages and its one JSON route, in process: headers on every
page, nothing from elsewhere, the setting that turns it off, and the owner's forms."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.server import create_app
from safeguarding.store.models import utcnow
from tests.fakes.setup import CHEAP_HASHER

PAGES = [
    "/report-remove",
    "/report-remove/adult",
    "/report-remove/someone-else",
    "/report-remove/report",
    "/report-remove/status",
]
PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
BODY: dict[str, Any] = {
    "submission_id": "ab" * 16,
    "category": "sexual",
    "files": [
        {"md5": "1" * 32, "sha256": "2" * 64, "pdq": [{"view": None, "hash": PDQ, "quality": 88}]}
    ],
}


def portal_engine(url: str, **settings: Any) -> Engine:
    config = Settings(database_url=url, self_report_max_guesses=3, **settings)
    return Engine(config, password_hasher=CHEAP_HASHER)


@pytest.fixture
def portal(sqlite_url: str) -> Iterator[TestClient]:
    engine = portal_engine(sqlite_url)
    with TestClient(create_app(engine=engine), follow_redirects=False) as client:
        yield client
    engine.close()


class _Resources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "img", "iframe", "source") and values.get("src"):
            self.loaded.append(str(values["src"]))
        if tag == "link" and values.get("href"):
            self.loaded.append(str(values["href"]))


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_private_and_loads_nothing_from_elsewhere(
    portal: TestClient, path: str
) -> None:
    answer = portal.get(path)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    csp = answer.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "connect-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert "set-cookie" not in answer.headers
    parser = _Resources()
    parser.feed(answer.text)
    assert parser.loaded and all(src.startswith("/static/") for src in parser.loaded)
    # the support and threat signposting is on every page: the adults' on the adult page
    if path.endswith("/adult"):
        assert "Revenge Porn Helpline" in answer.text and "report it to the police" in answer.text
    else:
        assert "Childline" in answer.text and "0800 1111" in answer.text and "CEOP" in answer.text


def test_without_javascript_the_report_page_says_why_it_cannot_hash(portal: TestClient) -> None:
    page = portal.get("/report-remove/report").text
    noscript = re.search(r"<noscript>(.*?)</noscript>", page, re.S)
    assert noscript and "needs JavaScript" in noscript.group(1)
    assert "never" in noscript.group(1)
    assert re.search(r'<form id="report" hidden>', page)


def test_the_adult_page_names_adults_support_not_the_childrens(portal: TestClient) -> None:
    adult = portal.get("/report-remove/adult").text
    support = adult[adult.index('<aside class="support"') :]
    assert "the Revenge Porn Helpline is free and private" in support
    assert "Childline" not in adult and "CEOP" not in adult and "0800 1111" not in adult
    child = portal.get("/report-remove").text
    assert "Childline is free and private" in child and "CEOP" in child


def test_a_setting_turns_the_portal_off(sqlite_url: str) -> None:
    engine = portal_engine(sqlite_url, self_report_enabled=False)
    with TestClient(create_app(engine=engine)) as client:
        for path in PAGES:
            assert client.get(path).status_code == 404
        assert client.post("/report-remove/submissions", json=BODY).status_code == 404
    engine.close()


def test_a_submission_and_the_owners_forms(portal: TestClient) -> None:
    answer = portal.post("/report-remove/submissions", json=BODY)
    assert answer.status_code == 201, answer.text
    assert answer.headers["cache-control"] == "no-store"
    receipt = answer.json()
    assert set(receipt) == {"case_number", "pin"}
    again = portal.post("/report-remove/submissions", json=BODY)
    assert again.status_code == 409 and "already received" in again.json()["error"]["message"]

    wrong = portal.post(
        "/report-remove/status", data={"case_number": receipt["case_number"], "pin": "00000000"}
    )
    assert wrong.status_code == 401 and "do not match a case" in wrong.text
    shown = portal.post("/report-remove/status", data=receipt)
    assert shown.status_code == 200 and "We have your report" in shown.text
    unconfirmed = portal.post("/report-remove/withdraw", data=receipt)
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.text
    done = portal.post("/report-remove/withdraw", data={**receipt, "confirm": "yes"})
    assert done.status_code == 200 and "You withdrew this report" in done.text
    assert "Withdraw my report" not in done.text
    assert "We delete our last copy of them by" in done.text

    # past the retention the purge deletes its hashes, and the page says so
    engine = portal.app.state.engine  # type: ignore[attr-defined]
    later = utcnow() + timedelta(days=engine.settings.self_report_retention_days + 1)
    engine.self_reports.clock = lambda: later
    assert engine.self_reports.purge()[0] > 0
    closed = portal.post("/report-remove/status", data=receipt).text
    assert '<dd id="status">Withdrawn</dd>' in closed and 'id="closed"' in closed
    assert "Deleted. We keep only your case number, its status and dates" in closed


def test_guessing_is_refused_with_retry_after(portal: TestClient) -> None:
    guess = {"case_number": "K7QM-2XJD-9PFA-R3TZ", "pin": "12345678"}
    assert [portal.post("/report-remove/status", data=guess).status_code for _ in range(4)] == [
        401,
        401,
        401,
        429,
    ]
    refused = portal.post("/report-remove/status", data=guess)
    assert refused.status_code == 429 and "Too many tries" in refused.text
    assert 3500 < int(refused.headers["retry-after"]) <= 3600


@pytest.mark.parametrize(
    ("kwargs", "status", "field"),
    [
        (
            {"content": b'{"submission_id": 1', "headers": {"content-type": "application/json"}},
            422,
            "body",
        ),
        ({"data": {"category": "nude"}}, 422, "content-type"),
        ({"content": b"[]", "headers": {"content-type": "text/plain"}}, 422, "content-type"),
        ({"json": BODY, "headers": {"origin": "https://elsewhere.example"}}, 422, "origin"),
        ({"json": {**BODY, "note": "my name is"}}, 422, "submission.note"),
    ],
)
def test_malformed_submissions_are_refused_clearly(
    portal: TestClient, kwargs: dict[str, Any], status: int, field: str
) -> None:
    answer = portal.post("/report-remove/submissions", **kwargs)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["field"] == field
    assert portal.post("/report-remove/submissions", json=BODY).status_code == 201


def test_an_oversized_submission_is_refused_before_it_is_read(sqlite_url: str) -> None:
    engine = portal_engine(sqlite_url, max_json_bytes=10_000)
    with TestClient(create_app(engine=engine)) as client:
        answer = client.post(
            "/report-remove/submissions", json={**BODY, "files": BODY["files"] * 200}
        )
        assert answer.status_code == 413
    engine.close()
