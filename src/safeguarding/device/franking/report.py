"""A franked report: the messages a recipient chooses to reveal, with their franking keys,
stamps and (optionally) attachments, in the order the server stamped them, with context
around the reported ones.

Layout, version 1:

    "SGR" 0x01 | message count (u16, 1 to 200)
    per message: flags (u8; bit 0: reported, the others zero)
                 | franked body (u32 length + bytes) | stamp (u16 length + bytes)
                 | attachment count (u8, equal to the body's)
                 | per attachment: sealed attachment (u32 length + bytes; length 0: withheld)

A report reveals exactly what it carries and nothing else: the other messages of the
conversation stay encrypted. Context is the reporter's choice; what the reporter left out
between the messages shown is counted from the senders' sequence numbers on verification.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from safeguarding.device.franking.attachments import HEADER_BYTES, MAX_ATTACHMENT_BYTES
from safeguarding.device.franking.encoding import Reader, u8, u16, u32
from safeguarding.device.franking.failures import Failure
from safeguarding.device.franking.message import MAX_ATTACHMENTS, MAX_TEXT_BYTES
from safeguarding.device.franking.receive import ReceivedMessage
from safeguarding.device.franking.stamp import MAX_STAMP_BYTES
from safeguarding.errors import FrankingError

MAGIC = b"SGR\x01"
MAX_MESSAGES = 200
#: what a report's attachments may add up to
MAX_REPORT_ATTACHMENT_BYTES = 128 * 2**20
#: a franked body's largest possible size: text, identifiers and attachment references
MAX_BODY_BYTES = 4 + 32 + 2 * 256 + 8 + 4 + MAX_TEXT_BYTES + 1 + MAX_ATTACHMENTS * (72 + 256)
_REPORTED = 0x01


@dataclass(frozen=True)
class ReportItem:
    body: bytes
    stamp: bytes
    reported: bool = False
    #: sealed attachments in the body's order; None withholds one (e.g. no longer kept)
    attachments: tuple[bytes | None, ...] = ()


def build_report(items: Sequence[ReportItem]) -> bytes:
    """Encode a report. The server checks everything; this only refuses what cannot be
    encoded, so a client learns of a mistake before sending."""
    if not 0 < len(items) <= MAX_MESSAGES:
        raise FrankingError(Failure.INVALID, f"a report has 1 to {MAX_MESSAGES} messages")
    parts = [MAGIC, u16(len(items))]
    for item in items:
        if len(item.stamp) > MAX_STAMP_BYTES or len(item.body) > MAX_BODY_BYTES:
            raise FrankingError(Failure.INVALID, "a body or stamp is too long to be franked")
        if len(item.attachments) > MAX_ATTACHMENTS:
            raise FrankingError(Failure.INVALID, f"at most {MAX_ATTACHMENTS} attachments")
        parts += [
            u8(_REPORTED if item.reported else 0),
            u32(len(item.body)),
            item.body,
            u16(len(item.stamp)),
            item.stamp,
            u8(len(item.attachments)),
        ]
        for blob in item.attachments:
            parts += [u32(len(blob or b"")), blob or b""]
    return b"".join(parts)


def parse_report(data: bytes) -> list[ReportItem]:
    reader = Reader(data, "report")
    reader.magic(MAGIC)
    count = reader.u16("message count")
    if not 0 < count <= MAX_MESSAGES:
        raise reader.fail(f"has {count} messages; a report has 1 to {MAX_MESSAGES}")
    items, total = [], 0
    for i in range(count):
        flags = reader.u8(f"message {i} flags")
        if flags & ~_REPORTED:
            raise reader.fail(f"message {i} has unknown flags {flags:#04x}")
        body = reader.blob(f"message {i} body", MAX_BODY_BYTES)
        stamp = reader.take(reader.u16(f"message {i} stamp length"), f"message {i} stamp")
        blobs: list[bytes | None] = []
        for j in range(reader.u8(f"message {i} attachment count")):
            blob = reader.blob(
                f"message {i} attachment {j}", HEADER_BYTES + 16 + MAX_ATTACHMENT_BYTES
            )
            total += len(blob)
            if total > MAX_REPORT_ATTACHMENT_BYTES:
                raise reader.fail(f"attachments exceed {MAX_REPORT_ATTACHMENT_BYTES} bytes")
            blobs.append(blob or None)
        items.append(ReportItem(body, stamp, bool(flags & _REPORTED), tuple(blobs)))
    reader.end()
    return items


def report_window(
    history: Sequence[ReceivedMessage],
    reported: Sequence[int],
    *,
    before: int = 10,
    after: int = 5,
    blobs: Mapping[bytes, bytes] | None = None,
) -> list[ReportItem]:
    """The reported messages of one conversation's `history` (indices into it) and the
    `before` messages before the first and `after` after the last, in stamp order.
    `blobs` maps an attachment's SHA-256 to its sealed bytes, for those still kept."""
    if not reported:
        raise FrankingError(Failure.NOTHING_REPORTED, "choose at least one message to report")
    order = sorted(
        range(len(history)),
        key=lambda i: (
            history[i].stamp.stamped_at_ms,
            history[i].stamp.sender_id,
            history[i].message.sequence,
        ),
    )
    where = {index: place for place, index in enumerate(order)}
    try:
        places = [where[i] for i in reported]
    except KeyError as exc:
        raise FrankingError(Failure.INVALID, f"no message {exc.args[0]} in the history") from None
    first, last = max(0, min(places) - before), min(len(order), max(places) + after + 1)
    chosen, kept = set(reported), blobs or {}
    return [
        ReportItem(
            history[i].body,
            history[i].stamp.raw,
            i in chosen,
            tuple(kept.get(ref.sha256) for ref in history[i].message.attachments),
        )
        for i in order[first:last]
    ]
