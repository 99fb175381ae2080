"""A small conversation, franked and stamped as a relay would, for the device tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict

import pytest

from safeguarding.device.franking import (
    Keyring,
    Message,
    ReceivedMessage,
    SealedAttachment,
    Stamper,
    frank,
    open_franked,
    seal_attachment,
)
from safeguarding.device.franking.keys import DAY_MS

T0 = 1_800_000_000_000  # a fixed "now" (2027-01-15), in ms


class Ids(TypedDict):
    sender_id: str
    recipient_id: str
    conversation_id: str


@dataclass
class Clock:
    now: int = T0

    def __call__(self) -> int:
        return self.now


@dataclass
class World:
    """A relay with one keyring, and each participant's view of one conversation."""

    keyring: Keyring
    clock: Clock
    stamper: Stamper
    history: dict[str, list[ReceivedMessage]] = field(default_factory=dict)
    blobs: dict[bytes, bytes] = field(default_factory=dict)
    sequences: dict[tuple[str, str], int] = field(default_factory=dict)

    def send(
        self,
        sender: str,
        recipient: str,
        text: str,
        *,
        conversation: str = "c1",
        attachments: tuple[SealedAttachment, ...] = (),
    ) -> ReceivedMessage:
        """Frank, stamp, deliver and verify one message; the sender keeps its receipt."""
        seq = self.sequences.get((conversation, sender), 0) + 1
        self.sequences[(conversation, sender)] = seq
        for sealed in attachments:
            self.blobs[sealed.ref.sha256] = sealed.blob
        franked = frank(Message(conversation, sender, seq, text, tuple(a.ref for a in attachments)))
        stamp = self.stamper.stamp(
            franked.commitment,
            sender_id=sender,
            recipient_id=recipient,
            conversation_id=conversation,
        )
        self.clock.now += 1_000
        ids: Ids = {"sender_id": sender, "recipient_id": recipient, "conversation_id": conversation}
        received = open_franked(franked.body, stamp, **ids, at_ms=self.clock.now)
        receipt = open_franked(franked.body, stamp, **ids, at_ms=self.clock.now)
        self.history.setdefault(recipient, []).append(received)
        self.history.setdefault(sender, []).append(receipt)
        return received


@pytest.fixture
def world() -> World:
    clock = Clock()
    keyring = Keyring().rotated(T0 - DAY_MS)
    return World(keyring, clock, Stamper(keyring, clock=clock))


@pytest.fixture
def chat(world: World) -> World:
    """mallory and bob (a child) talk in c1; one of mallory's messages has a picture."""
    world.send("bob", "mallory", "hi who is this")
    world.send("mallory", "bob", "a friend of your cousin, you look older than 13")
    world.send("bob", "mallory", "thanks i guess")
    picture = seal_attachment(b"\x89PNG benign test picture", "image/png")
    world.send("mallory", "bob", "here is a photo of my dog", attachments=(picture,))
    world.send("mallory", "bob", "don't tell your parents we talk")
    world.send("bob", "mallory", "ok")
    return world
