"""A page on 127.0.0.1 that serves the browser hashing modules (the web package's static
files, as the service serves them, under the service's Content-Security-Policy) and the
files to hash, for the browser tests and `bench/bench_browser_hash.py`."""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from safeguarding.web import common as web_common
from tests.conftest import SHARED
from tests.web.conftest import serve_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

_PAGE = "<!doctype html><title>hashing</title><p>browser hashing harness</p>"

# Fetch each URL as a File and hash it in the worker; errors come back as values.
_HASH_URLS = """async ({urls, options}) => {
  const { Hasher } = await import("/static/hashing/index.js");
  window.hasher ??= new Hasher();
  const out = [];
  for (const url of urls) {
    const blob = await (await fetch(url)).blob();
    const file = new File([blob], url.split("/").pop());
    const progress = [];
    try {
      const result = await window.hasher.hashFile(file, { ...options,
        onProgress: (p) => progress.push(p) });
      out.push({ result, progress });
    } catch (error) {
      out.push({ error: { code: error.code, message: error.message, name: error.name },
                 progress });
    }
  }
  return out;
}"""


def _app(files: Path) -> Starlette:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(_PAGE, headers=web_common.SECURITY_HEADERS)

    return Starlette(
        routes=[
            Route("/", page),
            Mount("/static", StaticFiles(directory=web_common.HERE / "static")),
            Mount("/data", StaticFiles(directory=SHARED)),
            Mount("/files", StaticFiles(directory=files)),
        ]
    )


class HashingPage:
    """A browser page on the harness; `files` is a folder served at /files."""

    def __init__(self, page: Page, base: str, files: Path) -> None:
        self.page, self.base, self.files = page, base, files

    def url_of(self, path: Path) -> str:
        """The URL of a shared data file or one written under `files`."""
        if path.is_relative_to(self.files):
            return f"/files/{path.relative_to(self.files).as_posix()}"
        return f"/data/{path.relative_to(SHARED).as_posix()}"

    def hash_files(self, paths: list[Path], **options: Any) -> list[dict[str, Any]]:
        """hashFile of each file in the page's worker: [{result|error, progress}]."""
        answer: list[dict[str, Any]] = self.page.evaluate(
            _HASH_URLS, {"urls": [self.url_of(p) for p in paths], "options": options}
        )
        return answer

    def hash_bytes(self, data: bytes, name: str, **options: Any) -> dict[str, Any]:
        path = self.files / name
        path.write_bytes(data)
        try:
            return self.hash_files([path], **options)[0]
        finally:
            path.unlink()

    def call(self, script: str, arg: Any = None) -> Any:
        """Run `script` (an async function of `arg`) in the page, where it can import the
        modules under /static/hashing/."""
        return self.page.evaluate(script, arg)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@contextmanager
def hashing_page(browser: Browser) -> Iterator[HashingPage]:
    with (
        tempfile.TemporaryDirectory(prefix="sg-hash-") as folder,
        serve_app(_app(Path(folder))) as base,
    ):
        page = browser.new_page()
        page.goto(f"{base}/")
        try:
            yield HashingPage(page, base, Path(folder))
        finally:
            page.close()
