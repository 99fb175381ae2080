"""A conversation franked on the devices and stamped by the server's own FrankingService
(through the engine), for the server-side tests on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from safeguarding.config import Settings
from safeguarding.demo import generated_image
from safeguarding.device.franking import Stamper, seal_attachment
from safeguarding.device.franking.keys import DAY_MS
from safeguarding.engine import Engine
from safeguarding.franking import FrankingService, StampRequest, rotate_key_file
from tests.device.conftest import T0, Clock, World


class ServerStamper(Stamper):
    """The relay asking the server to stamp, as `POST /v1/franking/stamp` does."""

    def __init__(self, service: FrankingService) -> None:
        self.service = service

    def stamp(
        self, commitment: bytes, *, sender_id: str, recipient_id: str, conversation_id: str
    ) -> bytes:
        return self.service.stamp(
            [StampRequest(commitment, sender_id, recipient_id, conversation_id)]
        )[0]


def key_file(directory: Path) -> Path:
    path = directory / "franking.json"
    rotate_key_file(path, at_ms=T0 - DAY_MS)
    return path


def server_world(engine: Engine) -> World:
    """mallory grooms bob (a child) in c1, one of her messages with a (benign) photo."""
    clock = Clock()
    engine.franking.clock = clock
    assert engine.franking.keys is not None
    world = World(engine.franking.keys.keyring(), clock, ServerStamper(engine.franking))
    world.send("bob", "mallory", "hi who is this")
    world.send("mallory", "bob", "a friend of your cousin, how old are you?")
    world.send("bob", "mallory", "13")
    photo = seal_attachment(generated_image(7), "image/jpeg")
    world.send("mallory", "bob", "here is a photo of my dog", attachments=(photo,))
    world.send("mallory", "bob", "don't tell your parents we talk")
    world.send("bob", "mallory", "ok")
    return world


def chat(
    engine: Engine,
    lines: list[tuple[str, str]],
    picture: bytes,
    media_type: str,
    *,
    mallory: str = "mallory",
) -> World:
    """`mallory` and bob in a conversation of their own; "[picture]" carries `picture`."""
    clock = Clock()
    engine.franking.clock = clock
    assert engine.franking.keys is not None
    world = World(engine.franking.keys.keyring(), clock, ServerStamper(engine.franking))
    for who, text in lines:
        sender, recipient = (mallory, "bob") if who == "mallory" else ("bob", mallory)
        sealed = (seal_attachment(picture, media_type),) if text == "[picture]" else ()
        world.send(sender, recipient, text, conversation=f"c-{mallory}", attachments=sealed)
    return world


SMALL_TALK = [("mallory", "hi"), ("bob", "hey"), ("mallory", "[picture]"), ("bob", "nice")]
GROOMING = [
    ("mallory", "how old are you?"),
    ("bob", "13"),
    ("mallory", "are your parents home?"),
    ("bob", "no they are at work"),
    ("mallory", "don't tell anyone we talk, it's our secret"),
    ("mallory", "add me on snap"),
    ("mallory", "send me a pic of you, just for me"),
    ("mallory", "we should meet up, i can pick you up after school"),
]


@pytest.fixture
def franking_engine(db_url: str, tmp_path: Path) -> Iterator[Engine]:
    engine = Engine(
        Settings(
            database_url=db_url,
            franking_key_file=str(key_file(tmp_path)),
            conversation_model="none",  # the lexical bundle: fast, and enough here
        )
    )
    yield engine
    engine.close()
