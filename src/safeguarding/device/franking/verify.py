"""The server's check of a franked report: every message's commitment opens, its stamp is the
server's own, all of it is one conversation the reporter took part in, in stamp order, and
every revealed attachment is the one committed to. Any failure refuses the whole report,
naming the message and the reason, so nothing half-verified reaches a reviewer.

`verify_report` needs only the keyring: a relay, the case intake or an auditor can run it.
What it returns is plain data the case flow takes as evidence "verified by franking".
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from safeguarding.device.franking.attachments import open_attachment
from safeguarding.device.franking.failures import Failure
from safeguarding.device.franking.keys import Keyring, now_ms
from safeguarding.device.franking.message import open_body
from safeguarding.device.franking.primitives import equal
from safeguarding.device.franking.report import ReportItem, parse_report
from safeguarding.device.franking.stamp import parse_stamp, tag_for
from safeguarding.errors import FrankingError


@dataclass(frozen=True)
class VerifiedAttachment:
    media_type: str
    #: SHA-256 of the sealed bytes the message committed to
    sealed_sha256: bytes
    #: the decrypted content; None when the reporter withheld it
    content: bytes | None


@dataclass(frozen=True)
class VerifiedMessage:
    #: its place in the report (0-based), in stamp order
    position: int
    reported: bool
    conversation_id: str
    sender_id: str
    recipient_id: str
    sequence: int
    stamped_at_ms: int
    text: str
    attachments: tuple[VerifiedAttachment, ...]
    #: the franking commitment: a stable id for this message as evidence
    commitment: bytes
    key_id: int

    @property
    def stamped_at(self) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(self.stamped_at_ms / 1000, datetime.UTC)


@dataclass(frozen=True)
class VerifiedReport:
    reporter_id: str
    conversation_id: str
    messages: tuple[VerifiedMessage, ...]
    #: per sender, how many of their messages between the first and last shown were left
    #: out by the reporter (gaps in their sequence numbers)
    omitted: dict[str, int]

    @property
    def reported(self) -> tuple[VerifiedMessage, ...]:
        return tuple(m for m in self.messages if m.reported)


def verify_report(
    report: bytes, *, keyring: Keyring, reporter_id: str, at_ms: int | None = None
) -> VerifiedReport:
    """Verify `report` sent by the authenticated `reporter_id`; FrankingError if any part
    fails (`reason` says why, `index` which message)."""
    now = now_ms() if at_ms is None else at_ms
    items = parse_report(report)
    messages: list[VerifiedMessage] = []
    seen: set[bytes] = set()
    sequences: dict[str, set[int]] = defaultdict(set)
    for index, item in enumerate(items):
        try:
            verified = _verify_item(index, item, keyring, reporter_id, now)
        except FrankingError as exc:
            raise FrankingError(exc.reason, exc.detail, index=index) from None
        if messages and verified.conversation_id != messages[0].conversation_id:
            raise FrankingError(
                Failure.CONVERSATION, "the message is from another conversation", index=index
            )
        if messages and verified.stamped_at_ms < messages[-1].stamped_at_ms:
            raise FrankingError(
                Failure.ORDER, "the message was stamped before the one above it", index=index
            )
        if verified.commitment in seen or verified.sequence in sequences[verified.sender_id]:
            raise FrankingError(Failure.DUPLICATE, "the message appears twice", index=index)
        seen.add(verified.commitment)
        sequences[verified.sender_id].add(verified.sequence)
        messages.append(verified)
    if not any(m.reported for m in messages):
        raise FrankingError(Failure.NOTHING_REPORTED, "no message is marked as reported")
    omitted = {sender: max(s) - min(s) + 1 - len(s) for sender, s in sequences.items()}
    return VerifiedReport(reporter_id, messages[0].conversation_id, tuple(messages), omitted)


def _verify_item(
    index: int, item: ReportItem, keyring: Keyring, reporter_id: str, now: int
) -> VerifiedMessage:
    opened = open_body(item.body)
    stamp = parse_stamp(item.stamp)
    if not equal(opened.commitment, stamp.commitment):
        raise FrankingError(
            Failure.COMMITMENT,
            "the message does not open the stamped "
            "commitment: it was altered or belongs to another stamp",
        )
    key = keyring.get(stamp.key_id)
    if key is None:
        raise FrankingError(
            Failure.UNKNOWN_KEY,
            f"server key {stamp.key_id} is unknown "
            "(never issued, or deleted after its report window)",
        )
    if now >= key.verifies_until_ms:
        raise FrankingError(
            Failure.KEY_EXPIRED, f"server key {stamp.key_id}'s report window has ended"
        )
    if not equal(tag_for(key.secret, stamp.signed), stamp.tag):
        raise FrankingError(
            Failure.STAMP,
            "the stamp is not the server's: its metadata was altered or it was forged",
        )
    if not key.stamps_at(stamp.stamped_at_ms):
        raise FrankingError(Failure.STAMP_TIME, "the stamp's time is outside its key's period")
    message = opened.message
    if (message.conversation_id, message.sender_id) != (stamp.conversation_id, stamp.sender_id):
        raise FrankingError(
            Failure.MISMATCH, "the message claims another sender or conversation than its stamp"
        )
    if reporter_id not in (stamp.sender_id, stamp.recipient_id):
        raise FrankingError(
            Failure.NOT_PARTICIPANT, "the reporter neither sent nor received this message"
        )
    if len(item.attachments) != len(message.attachments):
        raise FrankingError(
            Failure.FORMAT,
            f"the report carries {len(item.attachments)} "
            f"attachment slots for {len(message.attachments)} attachments",
        )
    attachments = tuple(
        VerifiedAttachment(
            ref.media_type, ref.sha256, None if blob is None else open_attachment(blob, ref)
        )
        for ref, blob in zip(message.attachments, item.attachments, strict=True)
    )
    return VerifiedMessage(
        index,
        item.reported,
        stamp.conversation_id,
        stamp.sender_id,
        stamp.recipient_id,
        message.sequence,
        stamp.stamped_at_ms,
        message.text,
        attachments,
        stamp.commitment,
        stamp.key_id,
    )
