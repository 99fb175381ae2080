"""The sign-in form's limits as a browser meets them: the client address (X-Forwarded-For
only from a trusted proxy), the known-browser cookie, and page views that do not write."""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from safeguarding.engine import Engine
from safeguarding.server import create_app
from tests.fakes.setup import PASSWORD, Fakes, response_engine, users
from tests.web.conftest import sign_in

WRONG = "a wrong guess, again"


def _attempt(client: TestClient, password: str, forwarded: str | None = None) -> str:
    """Post the sign-in form as rita; the page's error, or "" when signed in."""
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    answer = client.post(
        "/login",
        data={"username": "rita", "password": password, "csrf_token": token.group(1)},
        headers=headers,
    )
    if answer.status_code == 303:
        return ""
    found = re.search(r'class="error"[^>]*>([^<]+)<', answer.text)
    return found.group(1) if found else answer.text[:200]


@pytest.fixture
def proxied(sqlite_url: str) -> Iterator[TestClient]:
    engine = response_engine(sqlite_url, Fakes(), trusted_proxies=["10.0.0.0/8"])
    users(engine)
    with TestClient(
        create_app(engine=engine), follow_redirects=False, client=("10.1.2.3", 40000)
    ) as client:
        yield client
    engine.close()


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(client: TestClient) -> None:
    for n in range(5):
        assert "wrong" in _attempt(client, WRONG, forwarded=f"198.51.100.{n}")
    # the addresses were the client's own choice: all five counted against its connection
    assert "too many" in _attempt(client, PASSWORD, forwarded="192.0.2.200")


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(proxied: TestClient) -> None:
    for _ in range(5):
        assert "wrong" in _attempt(proxied, WRONG, forwarded="198.51.100.1")
    assert "too many" in _attempt(proxied, PASSWORD, forwarded="198.51.100.1")
    # a spoofed entry to the left of the proxy's own is ignored, too
    assert "too many" in _attempt(proxied, PASSWORD, forwarded="192.0.2.9, 198.51.100.1")
    assert _attempt(proxied, PASSWORD, forwarded="198.51.100.2") == ""


def test_a_browser_that_signed_in_before_is_not_locked_out(client: TestClient) -> None:
    assert _attempt(client, PASSWORD) == ""
    known = client.cookies.get("sg_browser")
    assert known
    client.cookies.clear()
    for _ in range(5):
        assert "wrong" in _attempt(client, WRONG)
    assert "too many" in _attempt(client, PASSWORD)
    client.cookies.set("sg_browser", known, path="/login")
    assert _attempt(client, PASSWORD) == ""


def test_page_views_do_not_write(client: TestClient, web_engine: Engine) -> None:
    sign_in(client, "rita")
    assert client.get("/queue").status_code == 200
    # another process holds SQLite's write lock: a view must not wait for it
    path = web_engine.settings.database_url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    released = threading.Timer(10, holder.execute, ["ROLLBACK"])
    released.start()
    try:
        start = time.monotonic()
        assert client.get("/queue").status_code == 200
        waited = time.monotonic() - start
    finally:
        released.cancel()
        holder.execute("ROLLBACK")
        holder.close()
    assert waited < 9, "the page view waited for the write lock"


def test_failed_sign_ins_are_answered_late(sqlite_url: str) -> None:
    """Each connection can guess about once a second, however fast it asks."""
    engine = response_engine(sqlite_url, Fakes(), login_failure_delay_ms=1000)
    users(engine)
    try:
        with TestClient(create_app(engine=engine), follow_redirects=False) as client:
            start = time.monotonic()
            assert "wrong" in _attempt(client, WRONG)
            assert time.monotonic() - start >= 1.0
            start = time.monotonic()  # no form token: refused without a database read
            answer = client.post("/login", data={"username": "rita", "password": PASSWORD})
            assert answer.status_code == 403 and time.monotonic() - start >= 1.0
            assert _attempt(client, PASSWORD) == ""
    finally:
        engine.close()
