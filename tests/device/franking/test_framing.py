"""A malicious sender cannot frame the recipient: whatever the recipient accepts, its report
verifies (so an honest reporter never looks like a forger), and nothing the sender does
makes a verified report name the recipient as the sender of the sender's words."""

from __future__ import annotations

import dataclasses
import os

import pytest

from safeguarding.device.franking import (
    Failure,
    Message,
    ReceivedMessage,
    build_report,
    frank,
    open_attachment,
    open_franked,
    report_window,
    seal_attachment,
    verify_report,
)
from safeguarding.device.franking.primitives import sha256
from safeguarding.errors import FrankingError
from tests.device.conftest import Ids, World
from tests.device.franking.test_attachments import two_way_blob

IDS: Ids = {"sender_id": "mallory", "recipient_id": "bob", "conversation_id": "c1"}


def attacks() -> list[tuple[str, bytes, bytes, dict[bytes, bytes]]]:
    """(name, body, commitment sent to the server, blobs) for each trick a sender tries."""
    honest = frank(Message("c1", "mallory", 1, "send me a photo"))
    other = frank(Message("c1", "mallory", 1, "have a nice day"))
    picture = seal_attachment(b"benign picture", "image/png")
    swapped = seal_attachment(b"another picture", "image/png", key=picture.ref.key)
    with_picture = frank(Message("c1", "mallory", 2, "look", (picture.ref,)))
    blob, _, key2 = two_way_blob()
    two_way_ref = dataclasses.replace(picture.ref, key=key2, sha256=sha256(blob), size=len(blob))
    two_way = frank(Message("c1", "mallory", 3, "look", (two_way_ref,)))
    bad_body = bytearray(honest.body)
    bad_body[40] ^= 1
    return [
        ("commitment to other words", honest.body, other.commitment, {}),
        ("corrupted body", bytes(bad_body), honest.commitment, {}),
        (
            "claims bob sent it",
            frank(Message("c1", "bob", 1, "x")).body,
            frank(Message("c1", "bob", 1, "x")).commitment,
            {},
        ),
        (
            "attachment swapped after stamping",
            with_picture.body,
            with_picture.commitment,
            {picture.ref.sha256: swapped.blob},
        ),
        ("two-way attachment", two_way.body, two_way.commitment, {sha256(blob): blob}),
        ("random bytes", os.urandom(120), os.urandom(32), {}),
    ]


@pytest.mark.parametrize("attack", range(len(attacks())))
def test_whatever_the_recipient_accepts_verifies_in_a_report(world: World, attack: int) -> None:
    name, body, commitment, blobs = attacks()[attack]
    stamp = world.stamper.stamp(commitment, **IDS)
    try:
        received = open_franked(body, stamp, **IDS, at_ms=world.clock.now)
        for ref in received.message.attachments:
            open_attachment(blobs[ref.sha256], ref)
    except FrankingError:
        return  # dropped on the device: never shown, so never reported
    report = build_report(report_window([received], [0], blobs=blobs))
    verified = verify_report(
        report, keyring=world.keyring, reporter_id="bob", at_ms=world.clock.now
    )
    assert verified.reported[0].sender_id == "mallory", name


def test_the_recipient_drops_every_attack_that_could_not_be_reported(world: World) -> None:
    accepted = []
    for name, body, commitment, blobs in attacks():
        stamp = world.stamper.stamp(commitment, **IDS)
        try:
            received = open_franked(body, stamp, **IDS, at_ms=world.clock.now)
            for ref in received.message.attachments:
                open_attachment(blobs[ref.sha256], ref)
            accepted.append(name)
        except FrankingError:
            pass
    assert accepted == []  # each of these tricks is caught on delivery


def test_a_report_cannot_name_the_recipient_as_sender(chat: World) -> None:
    """mallory (who sent "don't tell your parents") reports it as if bob had said it."""
    mallory_view: list[ReceivedMessage] = chat.history["mallory"]
    item = report_window(mallory_view, [4], before=0, after=0)[0]
    swapped = item.stamp.replace(b"\x07mallory\x03bob", b"\x03bob\x07mallory")
    assert swapped != item.stamp
    for forged in (
        dataclasses.replace(item, stamp=swapped),
        dataclasses.replace(
            item, body=frank(Message("c1", "bob", 3, "don't tell your parents we talk")).body
        ),
    ):
        with pytest.raises(FrankingError) as info:
            verify_report(
                build_report([forged]),
                keyring=chat.keyring,
                reporter_id="mallory",
                at_ms=chat.clock.now,
            )
        assert info.value.reason in (Failure.STAMP, Failure.COMMITMENT)
    # her own receipt verifies, and says who really sent it
    verified = verify_report(
        build_report([item]), keyring=chat.keyring, reporter_id="mallory", at_ms=chat.clock.now
    )
    assert verified.reported[0].sender_id == "mallory"
    assert verified.reported[0].recipient_id == "bob"
