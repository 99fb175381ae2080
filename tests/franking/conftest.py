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


@pytest.fixture
def franking_engine(db_url: str, tmp_path: Path) -> Iterator[Engine]:
    engine = Engine(Settings(database_url=db_url, franking_key_file=str(key_file(tmp_path))))
    yield engine
    engine.close()
