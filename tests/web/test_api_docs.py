"""The API's documentation works with no network: /docs and /redoc load their assets from
this server only (never a CDN), in Chromium with every other address blocked."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Route

from tests.web.conftest import LiveServer

pytestmark = pytest.mark.e2e


def test_the_docs_pages_name_no_outside_address(client: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        page = client.get(path)
        assert page.status_code == 200
        assert "http" not in page.text.replace("http-equiv", "")  # every URL is our own
        assert "default-src 'self'" in page.headers["content-security-policy"]
    asset = client.get("/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and "SwaggerUIBundle" in asset.text
    assert client.get("/docs/assets/secret.py").status_code == 404


@pytest.mark.parametrize(
    ("path", "rendered"),
    [
        ("/docs", ".opblock-tag"),  # Swagger UI drew the operations, grouped
        ("/redoc", ".api-content h1"),  # ReDoc drew the API's title
    ],
)
def test_the_docs_render_offline(
    browser: Browser, live_server: LiveServer, path: str, rendered: str
) -> None:
    outside: list[str] = []

    def only_this_server(route: Route) -> None:
        if route.request.url.startswith(live_server.url + "/"):
            route.continue_()
        else:  # what a machine without internet would see
            outside.append(route.request.url)
            route.abort("internetdisconnected")

    page = browser.new_page()
    page.route("**/*", only_this_server)
    page.goto(live_server.url + path)
    page.wait_for_selector(rendered, timeout=20_000)
    assert "Safeguarding" in page.inner_text("body")
    assert outside == []
