"""The review pages over a real service: in memory (TestClient) or on 127.0.0.1 (uvicorn in
a thread, for the browser)."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from starlette.types import ASGIApp

from safeguarding.engine import Engine
from safeguarding.server import create_app
from tests.fakes.setup import PASSWORD, Fakes, response_engine, users

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


@pytest.fixture
def fakes() -> Fakes:
    return Fakes()


@pytest.fixture
def web_engine(sqlite_url: str, fakes: Fakes) -> Iterator[Engine]:
    engine = response_engine(sqlite_url, fakes)
    users(engine)
    yield engine
    engine.close()


@pytest.fixture
def client(web_engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine=web_engine), follow_redirects=False) as c:
        yield c


def sign_in(client: TestClient, username: str) -> str:
    """Sign in; returns the session's CSRF token (read from a page, as a browser would)."""
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    answer = client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": token.group(1),
            "next": "/queue",
        },
    )
    assert answer.status_code == 303, answer.text
    page = client.get("/queue")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    return csrf.group(1)


@dataclass
class LiveServer:
    url: str
    engine: Engine


@contextmanager
def serve_app(app: ASGIApp) -> Iterator[str]:
    """An ASGI app on a free local port, in a thread; yields its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def serving(engine: Engine, *, worker: bool = False) -> Iterator[LiveServer]:
    """The whole service (API, pages, optionally the outbox worker) on a free local port."""
    with serve_app(create_app(engine=engine, worker=worker)) as url:
        yield LiveServer(url, engine)


@pytest.fixture
def live_server(web_engine: Engine) -> Iterator[LiveServer]:
    with serving(web_engine) as server:
        yield server


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright (which downloads no browser)."""
    if not CHROMIUM.exists():
        message = "Chromium not found at /usr/bin/chromium (scripts/install-system-deps)"
        if os.environ.get("SAFEGUARDING_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture(scope="session")
def chromium_session() -> Iterator[Browser]:
    """One Chromium for the whole run (as pytest-playwright keeps one): starting it and
    Playwright's driver costs seconds, paid once instead of by every browser test."""
    with chromium() as instance:
        yield instance


@pytest.fixture
def browser(chromium_session: Browser) -> Iterator[Browser]:
    """The session's Chromium; the pages and contexts a test opens are closed after it, so
    no cookie, storage or page outlives the test (each page has a context of its own)."""
    before = set(chromium_session.contexts)
    yield chromium_session
    for context in chromium_session.contexts:
        if context not in before:
            context.close()


def browser_sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{base}/queue")


#: axe-core from npm, at the version tests/web/axe/package-lock.json pins (make install)
AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def axe() -> str:
    """axe-core's script, for serious(); missing, it skips (fails where the suite must be
    whole, as when landing)."""
    if not AXE.exists():
        message = "axe-core not installed: make install (npm ci in tests/web/axe)"
        if os.environ.get("SAFEGUARDING_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text()


def serious(page: Page, axe: str) -> list[str]:
    """Each serious or critical axe-core violation on the page, with the elements it names.
    axe is evaluated, not added as a script tag, so the page keeps its real
    Content-Security-Policy (which rightly refuses inline scripts)."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(axe)
    result: dict[str, Any] = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
