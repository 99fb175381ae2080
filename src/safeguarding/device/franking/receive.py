"""The recipient's check on delivery: a message whose commitment or stamp does not match is
dropped, so everything a recipient shows can later be proved in a report ("sender binding":
a sender cannot make the recipient accept a message whose report would then fail, which
would make an honest reporter look like a forger).

The recipient cannot check the server's tag (the key is the server's), but it knows from
its end-to-end session who sent the message, to whom and in which conversation, and checks
that the stamp says the same: a server that stamps other metadata is caught here.
"""

from __future__ import annotations

from dataclasses import dataclass

from safeguarding.device.franking.failures import Failure
from safeguarding.device.franking.keys import now_ms
from safeguarding.device.franking.message import Message, open_body
from safeguarding.device.franking.primitives import equal
from safeguarding.device.franking.stamp import Stamp, parse_stamp
from safeguarding.errors import FrankingError

#: how far in the future (by the recipient's clock) a stamp may be: clocks drift
MAX_FUTURE_MS = 5 * 60_000


@dataclass(frozen=True)
class ReceivedMessage:
    """A verified message. Keep `body` and `stamp.raw` (encrypted at rest, like the chat):
    they are what a report reveals; the franking key is inside `body`."""

    message: Message
    stamp: Stamp
    body: bytes


def open_franked(
    body: bytes,
    stamp: bytes,
    *,
    sender_id: str,
    recipient_id: str,
    conversation_id: str,
    at_ms: int | None = None,
    max_future_ms: int = MAX_FUTURE_MS,
) -> ReceivedMessage:
    """Check a decrypted franked body against its stamp and what the end-to-end session says
    (who sent it, to whom, in which conversation). Raise FrankingError for anything that
    does not match; the caller drops that message.

    The sender checks the stamp the relay returns to it (its receipt) the same way, with
    itself as `sender_id`; a sent message with its receipt can be context in its reports."""
    opened = open_body(body)
    parsed = parse_stamp(stamp)
    if not equal(parsed.commitment, opened.commitment):
        raise FrankingError(
            Failure.COMMITMENT, "the message does not match the commitment the server stamped"
        )
    expected = (sender_id, recipient_id, conversation_id)
    stamped = (parsed.sender_id, parsed.recipient_id, parsed.conversation_id)
    if stamped != expected:
        names = ("sender", "recipient", "conversation")
        wrong = ", ".join(n for n, a, b in zip(names, stamped, expected, strict=True) if a != b)
        raise FrankingError(Failure.METADATA, f"the stamp names another {wrong}")
    message = opened.message
    if (message.sender_id, message.conversation_id) != (sender_id, conversation_id):
        raise FrankingError(
            Failure.MISMATCH, "the message claims another sender or conversation than its session"
        )
    now = now_ms() if at_ms is None else at_ms
    if parsed.stamped_at_ms > now + max_future_ms:
        raise FrankingError(Failure.STAMP_TIME, "the stamp's time is in the future")
    return ReceivedMessage(message, parsed, bytes(body))
