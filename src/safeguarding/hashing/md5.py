"""MD5 of the file bytes: finds byte-identical copies only."""

from __future__ import annotations

import hashlib

from safeguarding.hashing.exact import HexDigestSignal


class Md5Signal(HexDigestSignal):
    name = "md5"
    hex_length = 32
    identity_rank = 10  # collisions can be made, but not by accident

    @staticmethod
    def of(data: bytes) -> str:
        return hashlib.md5(data, usedforsecurity=False).hexdigest()

    @classmethod
    def examples(cls) -> list[str]:
        return [cls.of(b""), cls.of(b"safeguarding")]
