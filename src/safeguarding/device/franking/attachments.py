"""Attachments sealed with key-committing encryption.

XChaCha20-Poly1305 alone is not key-committing: a ciphertext can be built that decrypts
under two keys to two different plaintexts (Dodis, Grubbs, Ristenpart and Woodage,
"Fast Message Franking: From Invisible Salamanders to Encryptment", CRYPTO 2018; Len,
Grubbs and Ristenpart, USENIX Security 2021, for Poly1305). A sender could then show a
recipient one image and a reviewer another. So each sealed attachment carries a commitment
to its key, checked before anything is decrypted (the "key commitment" fix of Albertini et
al., USENIX Security 2022): two keys with one commitment would be a SHA-256 collision.

Layout, version 1 (the bytes the server stores and the message commits to by SHA-256):

    "SGA" 0x01 | nonce (24) | key commitment (32) | XChaCha20-Poly1305 ciphertext and tag
    key commitment = HMAC-SHA256(K, "safeguarding attachment v1 key commitment")
    encryption key = HMAC-SHA256(K, "safeguarding attachment v1 encryption key")
    associated data = the 60 bytes before the ciphertext

K is 32 random bytes, fresh per attachment, carried in the franked message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from nacl import bindings
from nacl.exceptions import CryptoError

from safeguarding.device.franking.encoding import check_id
from safeguarding.device.franking.failures import Failure
from safeguarding.device.franking.message import AttachmentRef
from safeguarding.device.franking.primitives import (
    KEY_BYTES,
    TAG_BYTES,
    equal,
    hmac_sha256,
    random_key,
    sha256,
)
from safeguarding.errors import FrankingError

MAGIC = b"SGA\x01"
NONCE_BYTES = 24
HEADER_BYTES = len(MAGIC) + NONCE_BYTES + TAG_BYTES
AEAD_TAG_BYTES = 16
COMMIT_LABEL = b"safeguarding attachment v1 key commitment"
ENCRYPT_LABEL = b"safeguarding attachment v1 encryption key"
#: the largest attachment content sealed or opened
MAX_ATTACHMENT_BYTES = 64 * 2**20


@dataclass(frozen=True)
class SealedAttachment:
    #: upload these bytes; anyone may store them, they reveal nothing without the key
    blob: bytes
    #: put this in the message (`Message.attachments`): it carries the key
    ref: AttachmentRef


def key_commitment(key: bytes) -> bytes:
    return hmac_sha256(key, COMMIT_LABEL)


def seal_attachment(
    content: bytes, media_type: str, *, key: bytes | None = None, nonce: bytes | None = None
) -> SealedAttachment:
    """Encrypt `content` under a fresh key. `key` and `nonce` are for test vectors only."""
    check_id("media type", media_type)
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise FrankingError(
            Failure.INVALID,
            f"an attachment of {len(content)} bytes exceeds the limit of {MAX_ATTACHMENT_BYTES}",
        )
    key = random_key() if key is None else key
    nonce = os.urandom(NONCE_BYTES) if nonce is None else nonce
    if len(key) != KEY_BYTES or len(nonce) != NONCE_BYTES:
        raise FrankingError(
            Failure.INVALID, f"an attachment key is {KEY_BYTES} bytes and a nonce {NONCE_BYTES}"
        )
    header = MAGIC + nonce + key_commitment(key)
    sealed = bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
        content, header, nonce, hmac_sha256(key, ENCRYPT_LABEL)
    )
    blob = header + sealed
    return SealedAttachment(blob, AttachmentRef(key, sha256(blob), len(blob), media_type))


def open_attachment(blob: bytes, ref: AttachmentRef) -> bytes:
    """The content of `blob`, if it is exactly the attachment `ref` (from a verified message)
    committed to; FrankingError otherwise."""
    if len(blob) != ref.size or not equal(sha256(blob), ref.sha256):
        raise FrankingError(
            Failure.ATTACHMENT_HASH, "these are not the attachment bytes the message committed to"
        )
    return open_blob(blob, ref.key)


def open_blob(blob: bytes, key: bytes) -> bytes:
    """Check the key commitment, then decrypt. A blob opens under at most one key."""
    blob = bytes(blob)
    if len(blob) < HEADER_BYTES + AEAD_TAG_BYTES:
        raise FrankingError(
            Failure.FORMAT,
            f"a sealed attachment has at least "
            f"{HEADER_BYTES + AEAD_TAG_BYTES} bytes, not {len(blob)}",
        )
    if blob[:3] != MAGIC[:3]:
        raise FrankingError(Failure.FORMAT, "a sealed attachment starts with b'SGA'")
    if blob[3] != MAGIC[3]:
        raise FrankingError(
            Failure.FORMAT,
            f"sealed attachment version {blob[3]} is not "
            f"supported (this library reads version {MAGIC[3]})",
        )
    if len(blob) - HEADER_BYTES - AEAD_TAG_BYTES > MAX_ATTACHMENT_BYTES:
        raise FrankingError(
            Failure.FORMAT,
            f"a sealed attachment exceeds the size limit of {MAX_ATTACHMENT_BYTES} bytes",
        )
    if len(key) != KEY_BYTES:
        raise FrankingError(Failure.INVALID, f"an attachment key is {KEY_BYTES} bytes")
    header = blob[:HEADER_BYTES]
    if not equal(header[len(MAGIC) + NONCE_BYTES :], key_commitment(key)):
        raise FrankingError(
            Failure.ATTACHMENT_KEY, "the key does not match the attachment's key commitment"
        )
    nonce = header[len(MAGIC) : len(MAGIC) + NONCE_BYTES]
    try:
        content: bytes = bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
            blob[HEADER_BYTES:], header, nonce, hmac_sha256(key, ENCRYPT_LABEL)
        )
    except CryptoError:
        raise FrankingError(
            Failure.ATTACHMENT_DECRYPT, "the attachment does not decrypt: it was altered"
        ) from None
    return content
