"""The recipient's check on delivery, including a malicious server's stamps."""

from __future__ import annotations

import pytest

from safeguarding.device.franking import (
    Failure,
    Keyring,
    Message,
    Stamper,
    frank,
    open_franked,
)
from safeguarding.device.franking.receive import MAX_FUTURE_MS
from safeguarding.errors import FrankingError
from tests.device.conftest import T0, Ids, World

IDS: Ids = {"sender_id": "mallory", "recipient_id": "bob", "conversation_id": "c1"}


def deliver(
    world: World,
    stamp_ids: Ids,
    *,
    commitment: bytes | None = None,
    message: Message | None = None,
    at: int = T0,
) -> None:
    franked = frank(message or Message("c1", "mallory", 1, "hi"))
    stamp = world.stamper.stamp(commitment or franked.commitment, **stamp_ids)
    open_franked(franked.body, stamp, **IDS, at_ms=at)


def test_an_honest_delivery_opens(world: World) -> None:
    franked = frank(Message("c1", "mallory", 7, "hi bob"))
    stamp = world.stamper.stamp(franked.commitment, **IDS)
    received = open_franked(franked.body, stamp, **IDS, at_ms=T0)
    assert received.message.text == "hi bob" and received.message.sequence == 7
    assert received.stamp.raw == stamp and received.body == franked.body
    assert received.stamp.stamped_at.year == 2027


@pytest.mark.parametrize(
    ("stamped", "named"),
    [
        (("eve", "bob", "c1"), "sender"),
        (("mallory", "carol", "c1"), "recipient"),
        (("mallory", "bob", "c9"), "conversation"),
    ],
)
def test_a_server_stamping_wrong_metadata_is_caught(
    world: World, stamped: tuple[str, str, str], named: str
) -> None:
    ids = Ids(sender_id=stamped[0], recipient_id=stamped[1], conversation_id=stamped[2])
    with pytest.raises(FrankingError, match=f"another {named}") as info:
        deliver(world, ids)
    assert info.value.reason == Failure.METADATA


def test_a_server_stamping_another_commitment_is_caught(world: World) -> None:
    other = frank(Message("c1", "mallory", 1, "something else")).commitment
    with pytest.raises(FrankingError) as info:
        deliver(world, IDS, commitment=other)
    assert info.value.reason == Failure.COMMITMENT


def test_a_stamp_from_the_future_is_caught(world: World) -> None:
    world.clock.now = T0 + MAX_FUTURE_MS + 1
    with pytest.raises(FrankingError) as info:
        deliver(world, IDS, at=T0)
    assert info.value.reason == Failure.STAMP_TIME
    world.clock.now = T0 + MAX_FUTURE_MS  # within the allowed clock drift
    deliver(world, IDS, at=T0)


def test_a_sender_claiming_another_identity_inside_is_dropped(world: World) -> None:
    with pytest.raises(FrankingError) as info:
        deliver(world, IDS, message=Message("c1", "bob", 1, "it was bob who said this"))
    assert info.value.reason == Failure.MISMATCH
    with pytest.raises(FrankingError) as info:
        deliver(world, IDS, message=Message("c2", "mallory", 1, "wrong conversation"))
    assert info.value.reason == Failure.MISMATCH


def test_no_stamping_key_is_a_clear_error() -> None:
    stamper = Stamper(Keyring(), clock=lambda: T0)
    with pytest.raises(FrankingError, match="rotate") as info:
        stamper.stamp(bytes(32), **IDS)
    assert info.value.reason == Failure.NO_KEY


def test_bad_stamp_inputs_are_refused(world: World) -> None:
    with pytest.raises(FrankingError, match="32 bytes"):
        world.stamper.stamp(b"short", **IDS)
    with pytest.raises(FrankingError, match="control characters"):
        world.stamper.stamp(
            bytes(32), sender_id="bob\nadmin", recipient_id="bob", conversation_id="c1"
        )
    with pytest.raises(FrankingError, match="1 to 255 bytes"):
        world.stamper.stamp(
            bytes(32), sender_id="mallory", recipient_id="x" * 256, conversation_id="c1"
        )
