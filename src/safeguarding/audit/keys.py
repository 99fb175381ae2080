"""The audit key: one Ed25519 private key in a PEM file kept outside the database.

It does two jobs. Its signature makes checkpoints (`audit/checkpoint.py`) that anyone with
the public key can check. A MAC key derived from it (HMAC-SHA256 of a fixed label under the
private key's 32 bytes) keys every event hash of the chain, so an event appended by someone
who can write the database but cannot read this file does not verify. One file, so an
operator cannot rotate one half and forget the other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from safeguarding.errors import AuditKeyError

_MAC_LABEL = b"safeguarding audit chain v1"


def key_id(public: Ed25519PublicKey) -> str:
    """16 hex digits naming a key (its public half): stored on every keyed event."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_from_hex(text: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(text.strip()))
    except ValueError as exc:
        raise AuditKeyError(f"not an Ed25519 public key (64 hex digits): {exc}") from None


def verify_signature(public: Ed25519PublicKey, signature: str, data: bytes) -> bool:
    try:
        public.verify(base64.b64decode(signature, validate=True), data)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class AuditKey:
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def id(self) -> str:
        return key_id(self.public)

    @property
    def public_hex(self) -> str:
        return self.public.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        ).hex()

    @cached_property
    def _mac_key(self) -> bytes:
        raw = self.private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return hmac.new(raw, _MAC_LABEL, hashlib.sha256).digest()

    def mac(self, data: bytes) -> str:
        return hmac.new(self._mac_key, data, hashlib.sha256).hexdigest()

    def sign(self, data: bytes) -> str:
        return base64.b64encode(self.private.sign(data)).decode()

    @classmethod
    def load(cls, path: str | Path) -> AuditKey:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise AuditKeyError(f"{path}: cannot read the audit key ({exc.strerror})") from None
        try:
            private = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise AuditKeyError(f"{path}: not an unencrypted PEM private key ({exc})") from None
        if not isinstance(private, Ed25519PrivateKey):
            raise AuditKeyError(
                f"{path}: the audit key must be Ed25519, not {type(private).__name__}"
            )
        return cls(private)

    @classmethod
    def generate(cls, path: str | Path) -> AuditKey:
        """A new key written to `path` (mode 0600); an existing file is never replaced."""
        key = cls(Ed25519PrivateKey.generate())
        pem = key.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise AuditKeyError(
                f"{path} already exists: an audit key is never overwritten"
            ) from None
        except OSError as exc:
            raise AuditKeyError(f"{path}: cannot write the audit key ({exc.strerror})") from None
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        return key
