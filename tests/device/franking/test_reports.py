"""Reports: an honest one verifies with order, context and gaps; every forgery is refused
with the reason that names it."""

from __future__ import annotations

import dataclasses

import pytest

from safeguarding.device.franking import (
    Failure,
    Keyring,
    Message,
    ReportItem,
    Stamper,
    build_report,
    frank,
    report_window,
    seal_attachment,
    verify_report,
)
from safeguarding.device.franking.keys import REPORT_WINDOW_MS, STAMP_PERIOD_MS
from safeguarding.device.franking.stamp import parse_stamp
from safeguarding.errors import FrankingError
from tests.device.conftest import World


def bob_reports(chat: World, reported: list[int], **kwargs: int) -> bytes:
    return build_report(report_window(chat.history["bob"], reported, blobs=chat.blobs, **kwargs))


def refused(
    chat: World, report: bytes, reason: Failure, *, reporter: str = "bob", at: int | None = None
) -> FrankingError:
    with pytest.raises(FrankingError) as info:
        verify_report(
            report,
            keyring=chat.keyring,
            reporter_id=reporter,
            at_ms=chat.clock.now if at is None else at,
        )
    assert info.value.reason == reason, str(info.value)
    return info.value


def test_an_honest_report_verifies_with_context_order_and_attachment(chat: World) -> None:
    report = bob_reports(chat, [4], before=3, after=1)
    verified = verify_report(report, keyring=chat.keyring, reporter_id="bob", at_ms=chat.clock.now)
    assert [m.text for m in verified.messages] == [
        "a friend of your cousin, you look older than 13",
        "thanks i guess",
        "here is a photo of my dog",
        "don't tell your parents we talk",
        "ok",
    ]
    assert [m.sender_id for m in verified.reported] == ["mallory"]
    assert verified.reported[0].text == "don't tell your parents we talk"
    assert verified.conversation_id == "c1" and verified.reporter_id == "bob"
    stamped = [m.stamped_at_ms for m in verified.messages]
    assert stamped == sorted(stamped)
    photo = verified.messages[2].attachments[0]
    assert photo.content == b"\x89PNG benign test picture"
    assert photo.media_type == "image/png"
    # bob's own messages come from his receipts; his first message was left out
    assert verified.omitted == {"mallory": 0, "bob": 0}
    assert {m.recipient_id for m in verified.messages} == {"bob", "mallory"}


def test_left_out_messages_are_counted(chat: World) -> None:
    items = report_window(chat.history["bob"], [4], before=10, after=10, blobs=chat.blobs)
    assert len(items) == 6
    del items[2]  # bob's second message, "thanks i guess"
    verified = verify_report(
        build_report(items), keyring=chat.keyring, reporter_id="bob", at_ms=chat.clock.now
    )
    assert verified.omitted == {"bob": 1, "mallory": 0}


def test_withheld_attachment_is_marked_not_opened(chat: World) -> None:
    report = build_report(report_window(chat.history["bob"], [3], before=0, after=0))
    verified = verify_report(report, keyring=chat.keyring, reporter_id="bob", at_ms=chat.clock.now)
    assert verified.messages[0].attachments[0].content is None


def test_altered_text_is_refused(chat: World) -> None:
    item = report_window(chat.history["bob"], [4], before=0, after=0)[0]
    body = item.body.replace(b"don't tell", b"won't tell")
    refused(chat, build_report([dataclasses.replace(item, body=body)]), Failure.COMMITMENT)
    # a whole new commitment under a new key does not open the stamped one either
    forged = frank(Message("c1", "mallory", 3, "send me a picture")).body
    refused(chat, build_report([dataclasses.replace(item, body=forged)]), Failure.COMMITMENT)


def test_swapped_attachment_is_refused(chat: World) -> None:
    item = report_window(chat.history["bob"], [3], before=0, after=0, blobs=chat.blobs)[0]
    ref = chat.history["bob"][3].message.attachments[0]
    # the reporter holds the key: content re-sealed under it is still not the committed blob
    other = seal_attachment(b"some other picture", "image/png", key=ref.key).blob
    refused(
        chat,
        build_report([dataclasses.replace(item, attachments=(other,))]),
        Failure.ATTACHMENT_HASH,
    )


def test_other_conversation_is_refused(chat: World) -> None:
    chat.send("mallory", "bob", "hello in another chat", conversation="c2")
    items = report_window(chat.history["bob"], [4, 6], before=0, after=0)
    refused(chat, build_report(items), Failure.CONVERSATION)
    # editing the stamp's conversation breaks the server's tag
    item = items[0]
    stamp = item.stamp.replace(b"\x02c1", b"\x02c2")
    refused(chat, build_report([dataclasses.replace(item, stamp=stamp)]), Failure.STAMP)


def test_other_sender_is_refused(chat: World) -> None:
    item = report_window(chat.history["bob"], [4], before=0, after=0)[0]
    stamp = item.stamp.replace(b"\x07mallory", b"\x07malloyy")
    refused(chat, build_report([dataclasses.replace(item, stamp=stamp)]), Failure.STAMP)


def test_replayed_stamps_are_refused(chat: World) -> None:
    first, second = report_window(chat.history["bob"], [1, 4], before=0, after=0)[::3]
    # the stamp of one message with the body of another
    refused(
        chat, build_report([dataclasses.replace(second, stamp=first.stamp)]), Failure.COMMITMENT
    )
    # one message twice
    refused(chat, build_report([second, second]), Failure.DUPLICATE)
    # a stamp for bob's copy, presented by someone who neither sent nor received it
    refused(chat, build_report([second]), Failure.NOT_PARTICIPANT, reporter="carol")


def test_messages_out_of_stamp_order_are_refused(chat: World) -> None:
    items = report_window(chat.history["bob"], [4], before=2, after=0)
    refused(chat, build_report(items[::-1]), Failure.ORDER)


def test_a_report_must_report_something(chat: World) -> None:
    item = report_window(chat.history["bob"], [4], before=0, after=0)[0]
    refused(
        chat, build_report([dataclasses.replace(item, reported=False)]), Failure.NOTHING_REPORTED
    )


def test_expired_and_deleted_server_keys_are_refused(chat: World) -> None:
    report = bob_reports(chat, [4], before=0, after=0)
    key = chat.keyring.get(parse_stamp(report_window(chat.history["bob"], [4])[0].stamp).key_id)
    assert key is not None
    refused(chat, report, Failure.KEY_EXPIRED, at=key.verifies_until_ms)
    pruned = chat.keyring.rotated(key.verifies_until_ms + 1)
    with pytest.raises(FrankingError) as info:
        verify_report(report, keyring=pruned, reporter_id="bob", at_ms=key.verifies_until_ms)
    assert info.value.reason == Failure.UNKNOWN_KEY
    assert key.verifies_until_ms == key.stamps_until_ms + REPORT_WINDOW_MS


def test_a_stamp_forged_under_another_key_is_refused(chat: World) -> None:
    item = report_window(chat.history["bob"], [4], before=0, after=0)[0]
    stamp = parse_stamp(item.stamp)
    rogue = Stamper(Keyring().rotated(stamp.stamped_at_ms - 1), clock=lambda: stamp.stamped_at_ms)
    forged = rogue.stamp(
        stamp.commitment, sender_id="mallory", recipient_id="bob", conversation_id="c1"
    )
    assert forged[4:8] == item.stamp[4:8]  # the same key id, another secret
    refused(chat, build_report([dataclasses.replace(item, stamp=forged)]), Failure.STAMP)


def test_rotation_keeps_old_stamps_verifiable(chat: World) -> None:
    chat.clock.now += STAMP_PERIOD_MS
    chat.stamper.keyring = chat.keyring = chat.keyring.rotated(chat.clock.now)
    chat.send("mallory", "bob", "after the rotation")
    items = report_window(chat.history["bob"], [6], before=2, after=0)
    verified = verify_report(
        build_report(items), keyring=chat.keyring, reporter_id="bob", at_ms=chat.clock.now
    )
    assert [m.key_id for m in verified.messages] == [1, 1, 2]


def test_the_failure_names_the_message(chat: World) -> None:
    items = report_window(chat.history["bob"], [4], before=2, after=0)
    items[1] = dataclasses.replace(items[1], body=items[1].body[:-1] + b"?")
    error = refused(chat, build_report(items), Failure.COMMITMENT)
    assert error.index == 1 and str(error).startswith("message 1: ")


@pytest.mark.parametrize(
    "report",
    [
        b"",
        b"SGR",
        b"SGR\x02\x00\x01",
        b"SGX\x01\x00\x01",
        b"SGR\x01\x00\x00",
        b"SGR\x01\x00\x01\x02",
        b"SGR\x01\x00\x01\x01\xff\xff\xff\xff",
    ],
)
def test_malformed_reports_are_refused_clearly(chat: World, report: bytes) -> None:
    error = refused(chat, report, Failure.FORMAT)
    assert str(error).startswith("report: ")


def test_report_window_needs_a_reported_message(chat: World) -> None:
    with pytest.raises(FrankingError) as info:
        report_window(chat.history["bob"], [])
    assert info.value.reason == Failure.NOTHING_REPORTED
    with pytest.raises(FrankingError, match="no message 99"):
        report_window(chat.history["bob"], [99])
    with pytest.raises(FrankingError, match="1 to 200"):
        build_report([ReportItem(b"", b"", True)] * 201)
