"""A franked report's case page: the verified messages in order, the reported ones marked,
every text escaped; what the server found in it (a bank match, possibly new imagery, the
conversation engine's reading); and the admin page saying whether the detector is on."""

from __future__ import annotations

import io
from pathlib import Path

from fastapi.testclient import TestClient

from safeguarding.demo import generated_image
from safeguarding.device.franking import build_report, report_window, seal_attachment
from safeguarding.device.images import MarkerDetector, marker_image
from safeguarding.engine import Engine
from safeguarding.franking import KeyFile
from tests.franking.conftest import GROOMING, SMALL_TALK, chat, key_file, server_world
from tests.web.conftest import sign_in

# Two more of an offender's messages after GROOMING (flattery, then asking to delete the chat)
MORE_GROOMING = [
    ("mallory", "you're really mature for your age"),
    ("mallory", "delete our chats after, ok?"),
]


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


def test_the_case_page_shows_what_the_server_found(
    client: TestClient, web_engine: Engine, tmp_path: Path
) -> None:
    """A banked photo names its bank, a likely nude picture (the test double's benign
    marker) is "possibly new imagery, unverified", and grooming signs tag each message.
    The script is GROOMING and two more messages: its first eight alone, a short burst,
    score 0.946 with `use` versions 22 and 23, under its grooming alert (0.951; MODEL_CARD.md,
    "Known gaps"), and the page then says the engine did not alert (next test)."""
    web_engine.franking.keys = KeyFile(key_file(tmp_path))
    web_engine.imagery.detector = MarkerDetector()
    photo = generated_image(11)
    web_engine.banks.create_bank("known", "t")
    web_engine.banks.add_hashes("known", [(web_engine.hash_for_bank(photo), None)], "t")
    marker = io.BytesIO()
    marker_image().save(marker, "PNG")
    lines = [*GROOMING, *MORE_GROOMING, ("mallory", "[picture]")]
    world = chat(web_engine, lines, marker.getvalue(), "image/png")
    world.send(
        "mallory",
        "bob",
        "a photo",
        conversation="c-mallory",
        attachments=(seal_attachment(photo, "image/jpeg"),),
    )
    items = report_window(world.history["bob"], [8], before=8, after=3, blobs=world.blobs)
    intake = web_engine.franking.report(
        build_report(items), reporter_id="bob", category="grooming", reason="", actor="key:t"
    )
    sign_in(client, "rita")
    page = client.get(f"/cases/{intake.opened.case.id}").text
    assert "Possibly new imagery, unverified" in page and "marker-test-double" in page
    assert "matched list <em>known</em>" in page
    assert "reads these messages as <strong>grooming</strong>" in page
    assert page.count('<p class="tactics">') >= 5


def test_the_case_page_says_when_the_engine_did_not_alert(
    client: TestClient, web_engine: Engine, tmp_path: Path
) -> None:
    """A reported chat with a sign of grooming (an age asked) that stays under the alert
    still shows the engine's reading, so the moderator knows it was read and what it
    scored."""
    web_engine.franking.keys = KeyFile(key_file(tmp_path))
    lines = [("mallory", "how old are you?"), ("bob", "13"), *SMALL_TALK[2:]]
    world = chat(web_engine, lines, generated_image(12), "image/jpeg")
    items = report_window(world.history["bob"], [2], before=2, after=1, blobs=world.blobs)
    intake = web_engine.franking.report(
        build_report(items), reporter_id="bob", category="grooming", reason="", actor="key:t"
    )
    sign_in(client, "rita")
    page = client.get(f"/cases/{intake.opened.case.id}").text
    assert "The conversation engine did not alert on these messages (tier " in page
    assert "reads these messages as" not in page
    assert '<p class="tactics">' in page  # the age question tagged


def test_the_admin_page_says_whether_the_detector_is_on(
    client: TestClient, web_engine: Engine
) -> None:
    sign_in(client, "ada")
    assert "off: no detector" in client.get("/admin").text
    web_engine.imagery.detector = MarkerDetector()
    assert "on: marker-test-double" in client.get("/admin").text
