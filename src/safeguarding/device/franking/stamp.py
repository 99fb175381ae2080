"""The server's stamp: who sent a commitment to whom, in which conversation, and when,
under an HMAC only the server can make or check.

Layout, version 1:

    "SGS" 0x01 | key id (u32) | stamped at (u64, ms since the Unix epoch, UTC)
    | sender id | recipient id | conversation id | commitment (32)
    | tag (32) = HMAC-SHA256(server key[key id], every byte before the tag)

The metadata travels in the clear inside the stamp, so the recipient (who cannot check the
tag) can still check that it names the sender, itself and the conversation it knows:
a server that stamps the wrong metadata is caught on delivery (`receive.open_franked`).
"""

from __future__ import annotations

import datetime
import struct
from dataclasses import dataclass

from safeguarding.device.franking.encoding import Reader, ident, u32, u64
from safeguarding.device.franking.primitives import TAG_BYTES, hmac_sha256

MAGIC = b"SGS\x01"
_KEY_AND_TIME = struct.Struct(">IQ")
MAX_STAMP_BYTES = 4 + 4 + 8 + 3 * 256 + 32 + 32


@dataclass(frozen=True)
class Stamp:
    key_id: int
    stamped_at_ms: int
    sender_id: str
    recipient_id: str
    conversation_id: str
    commitment: bytes
    tag: bytes
    #: the stamp as sent: keep these bytes, they are what a report carries
    raw: bytes

    @property
    def signed(self) -> bytes:
        """The bytes the tag covers."""
        return self.raw[:-TAG_BYTES]

    @property
    def stamped_at(self) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(self.stamped_at_ms / 1000, datetime.UTC)


def signed_part(
    key_id: int,
    stamped_at_ms: int,
    sender_id: str,
    recipient_id: str,
    conversation_id: str,
    commitment: bytes,
) -> bytes:
    return b"".join(
        (
            MAGIC,
            u32(key_id),
            u64(stamped_at_ms),
            ident("sender id", sender_id),
            ident("recipient id", recipient_id),
            ident("conversation id", conversation_id),
            commitment,
        )
    )


def tag_for(secret: bytes, signed: bytes) -> bytes:
    return hmac_sha256(secret, signed)


def parse_stamp(data: bytes) -> Stamp:
    """FrankingError(FORMAT) for anything but a well-formed version 1 stamp."""
    reader = Reader(data, "stamp")
    reader.magic(MAGIC)
    key_id, stamped_at = reader.fields(_KEY_AND_TIME, "key id and time")
    sender = reader.ident("sender id")
    recipient = reader.ident("recipient id")
    conversation = reader.ident("conversation id")
    commitment = reader.take(TAG_BYTES, "commitment")
    tag = reader.take(TAG_BYTES, "tag")
    reader.end()
    return Stamp(key_id, stamped_at, sender, recipient, conversation, commitment, tag, bytes(data))
