"""The franked message body: what a sender encrypts end to end, carrying a fresh franking
key and a commitment to everything it says (Facebook's franking; Grubbs, Lu and Ristenpart,
CRYPTO 2017, "committing encrypt-and-PRF" with HMAC-SHA256 as the committing PRF).

Layout, version 1 (docs/device.md has it with offsets and test vectors):

    "SGF" 0x01 | franking key (32) | payload
    payload = conversation id | sender id | sequence (u64) | text (u32 length + UTF-8)
              | attachment count (u8) | per attachment: key (32) | SHA-256 of the sealed
              attachment (32) | its size (u64) | media type (identifier)

    commitment = HMAC-SHA256(key = franking key, message = "SGF" 0x01 | payload)

The sender sends the commitment to the server in the clear beside the ciphertext; the server
stamps it (`keys.Stamper`). HMAC-SHA256 under a fresh 256-bit key hides the message from the
server, and finding two (key, message) pairs with one commitment means a SHA-256 collision,
so a report cannot swap in a message the recipient never received.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from safeguarding.device.franking.encoding import Reader, ident, u8, u32, u64
from safeguarding.device.franking.failures import Failure
from safeguarding.device.franking.primitives import KEY_BYTES, TAG_BYTES, hmac_sha256, random_key
from safeguarding.errors import FrankingError

MAGIC = b"SGF\x01"
MAX_TEXT_BYTES = 65_536
MAX_ATTACHMENTS = 16
_MAX_SEQUENCE = 2**64 - 1
_SEQUENCE_AND_LENGTH = struct.Struct(">QI")


@dataclass(frozen=True)
class AttachmentRef:
    """What a message commits to about one attachment; `attachments.seal_attachment` makes it."""

    key: bytes
    #: SHA-256 of the sealed attachment (the bytes the server stores), not of the content
    sha256: bytes
    size: int
    media_type: str


@dataclass(frozen=True)
class Message:
    conversation_id: str
    sender_id: str
    #: the sender's counter in this conversation (1, 2, 3 ...): reports show what was left out
    sequence: int
    text: str
    attachments: tuple[AttachmentRef, ...] = ()


@dataclass(frozen=True)
class FrankedMessage:
    #: encrypt these bytes end to end: they carry the franking key
    body: bytes
    #: send this to the server beside the ciphertext, for its stamp
    commitment: bytes


@dataclass(frozen=True)
class OpenedBody:
    message: Message
    franking_key: bytes
    commitment: bytes


def frank(message: Message, *, franking_key: bytes | None = None) -> FrankedMessage:
    """Commit to `message` under a fresh key. Pass `franking_key` only to make test vectors:
    a key used twice lets anyone who sees both commitments link them."""
    key = random_key() if franking_key is None else franking_key
    if len(key) != KEY_BYTES:
        raise FrankingError(Failure.INVALID, f"a franking key is {KEY_BYTES} bytes")
    payload = _payload(message)
    return FrankedMessage(MAGIC + key + payload, hmac_sha256(key, MAGIC, payload))


def open_body(body: bytes) -> OpenedBody:
    """Parse a franked body and recompute its commitment; FrankingError(FORMAT) if malformed."""
    reader = Reader(body, "franked message")
    reader.magic(MAGIC)
    key = reader.take(KEY_BYTES, "franking key")
    conversation = reader.ident("conversation id")
    sender = reader.ident("sender id")
    sequence, size = reader.fields(_SEQUENCE_AND_LENGTH, "sequence and text length")
    if size > MAX_TEXT_BYTES:
        raise reader.fail(f"text of {size} bytes exceeds the limit of {MAX_TEXT_BYTES}")
    try:
        text = reader.take(size, "text").decode("utf-8")
    except UnicodeDecodeError:
        raise reader.fail("text is not UTF-8") from None
    count = reader.u8("attachment count")
    if count > MAX_ATTACHMENTS:
        raise reader.fail(f"{count} attachments exceed the limit of {MAX_ATTACHMENTS}")
    refs = []
    for i in range(count):
        refs.append(
            AttachmentRef(
                key=reader.take(KEY_BYTES, f"attachment {i} key"),
                sha256=reader.take(TAG_BYTES, f"attachment {i} SHA-256"),
                size=reader.u64(f"attachment {i} size"),
                media_type=reader.ident(f"attachment {i} media type"),
            )
        )
    reader.end()
    message = Message(conversation, sender, sequence, text, tuple(refs))
    commitment = hmac_sha256(key, MAGIC, reader.data[len(MAGIC) + KEY_BYTES :])
    return OpenedBody(message, key, commitment)


def _payload(message: Message) -> bytes:
    if not isinstance(message.sequence, int) or not 0 <= message.sequence <= _MAX_SEQUENCE:
        raise FrankingError(Failure.INVALID, "sequence must be an integer from 0 to 2**64-1")
    if not isinstance(message.text, str):
        raise FrankingError(Failure.INVALID, "text must be a string")
    text = message.text.encode("utf-8")
    if len(text) > MAX_TEXT_BYTES:
        raise FrankingError(
            Failure.INVALID, f"text of {len(text)} bytes exceeds the limit of {MAX_TEXT_BYTES}"
        )
    if len(message.attachments) > MAX_ATTACHMENTS:
        raise FrankingError(
            Failure.INVALID,
            f"{len(message.attachments)} attachments exceed the limit of {MAX_ATTACHMENTS}",
        )
    parts = [
        ident("conversation id", message.conversation_id),
        ident("sender id", message.sender_id),
        u64(message.sequence),
        u32(len(text)),
        text,
        u8(len(message.attachments)),
    ]
    for ref in message.attachments:
        if len(ref.key) != KEY_BYTES or len(ref.sha256) != TAG_BYTES:
            raise FrankingError(Failure.INVALID, "an attachment has a 32-byte key and SHA-256")
        if not 0 <= ref.size <= _MAX_SEQUENCE:
            raise FrankingError(Failure.INVALID, "an attachment size must fit 64 bits")
        parts += [ref.key, ref.sha256, u64(ref.size), ident("media type", ref.media_type)]
    return b"".join(parts)
