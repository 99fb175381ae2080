"""Property tests over the byte layouts: what is written reads back the same, any change to
a franked message or stamp is caught, and no input makes a parser fail with anything but
FrankingError."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safeguarding.device.franking import (
    AttachmentRef,
    Failure,
    Keyring,
    Message,
    ReportItem,
    Stamper,
    build_report,
    frank,
    open_franked,
    verify_report,
)
from safeguarding.device.franking.encoding import MAX_ID_BYTES
from safeguarding.device.franking.message import open_body
from safeguarding.device.franking.report import parse_report
from safeguarding.device.franking.stamp import parse_stamp
from safeguarding.errors import FrankingError
from tests.device.conftest import Ids

T = 1_800_000_000_000
KEYRING = Keyring().rotated(T - 1)
STAMPER = Stamper(KEYRING, clock=lambda: T)

identifiers = st.text(
    st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=60
).filter(
    lambda s: 0 < len(s.encode()) <= MAX_ID_BYTES and not any(0x80 <= ord(c) <= 0x9F for c in s)
)
refs = st.builds(
    AttachmentRef,
    key=st.binary(min_size=32, max_size=32),
    sha256=st.binary(min_size=32, max_size=32),
    size=st.integers(0, 2**64 - 1),
    media_type=identifiers,
)
messages = st.builds(
    Message,
    conversation_id=identifiers,
    sender_id=identifiers,
    sequence=st.integers(0, 2**64 - 1),
    text=st.text(max_size=300),
    attachments=st.lists(refs, max_size=3).map(tuple),
)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(messages)
def test_a_franked_message_reads_back_the_same(message: Message) -> None:
    franked = frank(message)
    opened = open_body(franked.body)
    assert opened.message == message
    assert opened.commitment == franked.commitment


@FAST
@given(messages, identifiers, st.data())
def test_any_changed_byte_is_caught(message: Message, recipient: str, data: st.DataObject) -> None:
    franked = frank(message)
    stamp = STAMPER.stamp(
        franked.commitment,
        sender_id=message.sender_id,
        recipient_id=recipient,
        conversation_id=message.conversation_id,
    )
    which = data.draw(st.sampled_from(["body", "stamp"]))
    original = franked.body if which == "body" else stamp
    position = data.draw(st.integers(0, len(original) - 1))
    flip = data.draw(st.integers(1, 255))
    changed = bytearray(original)
    changed[position] ^= flip
    body, stamp2 = (bytes(changed), stamp) if which == "body" else (franked.body, bytes(changed))
    ids: Ids = {
        "sender_id": message.sender_id,
        "recipient_id": recipient,
        "conversation_id": message.conversation_id,
    }
    try:
        open_franked(body, stamp2, **ids, at_ms=T)
        delivered = True
    except FrankingError:
        delivered = False
    if which == "stamp" and delivered:
        # the key id, the time (bar the future) and the tag are the server's to check
        assert 4 <= position < 16 or position >= len(stamp) - 32
    else:
        assert not delivered
    report = build_report([ReportItem(body, stamp2, True, (None,) * len(message.attachments))])
    with pytest.raises(FrankingError) as info:
        verify_report(report, keyring=KEYRING, reporter_id=recipient, at_ms=T)
    assert info.value.reason != Failure.NOTHING_REPORTED


@FAST
@given(messages, identifiers)
def test_a_stamp_reads_back_the_same(message: Message, recipient: str) -> None:
    franked = frank(message)
    raw = STAMPER.stamp(
        franked.commitment,
        sender_id=message.sender_id,
        recipient_id=recipient,
        conversation_id=message.conversation_id,
    )
    stamp = parse_stamp(raw)
    assert (
        stamp.sender_id,
        stamp.recipient_id,
        stamp.conversation_id,
        stamp.commitment,
        stamp.stamped_at_ms,
    ) == (message.sender_id, recipient, message.conversation_id, franked.commitment, T)
    assert stamp.raw == raw and stamp.signed + stamp.tag == raw


items = st.builds(
    ReportItem,
    body=st.binary(max_size=200),
    stamp=st.binary(max_size=200),
    reported=st.booleans(),
    attachments=st.lists(st.one_of(st.none(), st.binary(min_size=1, max_size=50)), max_size=3).map(
        tuple
    ),
)


@FAST
@given(st.lists(items, min_size=1, max_size=5))
def test_a_report_reads_back_the_same(report: list[ReportItem]) -> None:
    assert parse_report(build_report(report)) == report


@FAST
@given(st.binary(max_size=400))
def test_parsers_fail_only_with_franking_errors(data: bytes) -> None:
    reasons = set()
    for parse in (open_body, parse_stamp, parse_report):
        for candidate in (data, b"SGF\x01" + data, b"SGS\x01" + data, b"SGR\x01" + data):
            try:
                parse(candidate)
            except FrankingError as exc:
                reasons.add(exc.reason)
    assert reasons <= {Failure.FORMAT}


@FAST
@given(messages, st.integers(0, 400))
def test_truncated_bodies_fail_clearly(message: Message, cut: int) -> None:
    body = frank(message).body
    if cut >= len(body):
        return
    with pytest.raises(FrankingError, match="franked message") as info:
        open_body(body[:cut])
    assert info.value.reason == Failure.FORMAT


def test_replace_keeps_frozen_messages_comparable() -> None:
    message = Message("c", "s", 1, "t")
    assert dataclasses.replace(message, text="u") != message
