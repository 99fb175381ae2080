"""A franked report's case page: the verified messages in order, the reported ones marked,
every text escaped."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from safeguarding.device.franking import build_report, report_window
from safeguarding.engine import Engine
from safeguarding.franking import KeyFile
from tests.franking.conftest import key_file, server_world
from tests.web.conftest import sign_in


def test_the_case_page_shows_the_verified_messages(
    client: TestClient, web_engine: Engine, tmp_path: Path
) -> None:
    web_engine.franking.keys = KeyFile(key_file(tmp_path))
    world = server_world(web_engine)
    world.send("mallory", "bob", "<script>alert(1)</script> answer me")
    items = report_window(world.history["bob"], [4, 6], before=1, after=0, blobs=world.blobs)
    intake = web_engine.franking.report(
        build_report(items), reporter_id="bob", category="grooming", reason="secret", actor="key:t"
    )
    sign_in(client, "rita")
    page = client.get(f"/cases/{intake.opened.case.id}").text
    assert "verified by franking" in page and "reported by bob" in page
    assert page.index("here is a photo of my dog") < page.index("don&#39;t tell your parents")
    assert page.count("[reported]") == 2
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page
    assert "hi who is this" not in page
