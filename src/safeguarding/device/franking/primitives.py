"""The only cryptographic calls franking makes, all from `cryptography` (OpenSSL) and PyNaCl
(libsodium): HMAC-SHA256, SHA-256, random bytes and XChaCha20-Poly1305, plus the standard
library's constant-time comparison. Nothing here is a primitive of our own."""

from __future__ import annotations

import hmac as _stdlib_hmac
import os

from cryptography.hazmat.primitives import hashes, hmac

KEY_BYTES = 32
TAG_BYTES = 32


def hmac_sha256(key: bytes, *parts: bytes) -> bytes:
    mac = hmac.HMAC(key, hashes.SHA256())
    for part in parts:
        mac.update(part)
    return mac.finalize()


def sha256(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SHA256())
    digest.update(data)
    return digest.finalize()


def equal(a: bytes, b: bytes) -> bool:
    # constant time, as cryptography's bytes_eq, without a call through cffi
    return _stdlib_hmac.compare_digest(a, b)


def random_key() -> bytes:
    # the operating system's CSPRNG, as libsodium's randombytes uses on Linux
    return os.urandom(KEY_BYTES)
