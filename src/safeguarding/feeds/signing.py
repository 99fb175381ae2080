"""The feed key: an Ed25519 private key in a PEM file outside the database. Every page is
signed over its exact bytes; subscribers pin the key by its fingerprint, the SHA-256 of its
32 raw public bytes in hex. To rotate, the publisher keeps the old key as
`feed_previous_key_file` for a while: pages then carry the old key and its signature over the
new one, which is how a subscriber pinned to the old key accepts the new (and only so).

Headers: `Safeguarding-Key` (the public key, base64), `Safeguarding-Signature` (over the
body), and during a rotation `Safeguarding-Previous-Key` and `Safeguarding-Rotation` (the old
key's signature over ROTATION_LABEL + the new key's raw bytes).
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from safeguarding.errors import InvalidInputError

ROTATION_LABEL = b"safeguarding feed key rotation v1:"
KEY_HEADER = "Safeguarding-Key"
SIGNATURE_HEADER = "Safeguarding-Signature"
PREVIOUS_KEY_HEADER = "Safeguarding-Previous-Key"
ROTATION_HEADER = "Safeguarding-Rotation"


def raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def verify(raw_key: bytes, signature_b64: str, data: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(raw_key).verify(
            base64.b64decode(signature_b64, validate=True), data
        )
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class FeedKey:
    private: Ed25519PrivateKey

    @classmethod
    def load(cls, path: str | Path, setting: str = "feed_key_file") -> FeedKey:
        try:
            key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as exc:
            raise InvalidInputError(setting, f"{path}: not a readable PEM key ({exc})") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise InvalidInputError(setting, f"{path}: not an Ed25519 key")
        return cls(key)

    @classmethod
    def generate(cls, path: str | Path) -> FeedKey:
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        return cls(key)

    @property
    def raw_public(self) -> bytes:
        return raw_public(self.private.public_key())

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.raw_public)

    def sign(self, data: bytes) -> str:
        return base64.b64encode(self.private.sign(data)).decode()

    def headers(self, body: bytes, previous: FeedKey | None = None) -> dict[str, str]:
        headers = {
            KEY_HEADER: base64.b64encode(self.raw_public).decode(),
            SIGNATURE_HEADER: self.sign(body),
        }
        if previous is not None:
            headers[PREVIOUS_KEY_HEADER] = base64.b64encode(previous.raw_public).decode()
            headers[ROTATION_HEADER] = previous.sign(ROTATION_LABEL + self.raw_public)
        return headers
