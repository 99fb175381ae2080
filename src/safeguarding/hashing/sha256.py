"""SHA-256 of the file bytes: byte-identical copies, collision-resistant."""

from __future__ import annotations

import hashlib

from safeguarding.hashing.exact import HexDigestSignal


class Sha256Signal(HexDigestSignal):
    name = "sha256"
    hex_length = 64
    identity_rank = 0  # collision-resistant: names the file best

    @staticmethod
    def of(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    @classmethod
    def examples(cls) -> list[str]:
        return [cls.of(b""), cls.of(b"safeguarding")]
