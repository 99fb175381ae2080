"""Shared shape of the cryptographic digests: a fixed-length lowercase hex string."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from safeguarding.errors import SignalError
from safeguarding.hashing.base import Comparison, SignalType

if TYPE_CHECKING:
    from safeguarding.matching.index import SignalIndex


class HexDigestSignal(SignalType):
    @classmethod
    def get_index_cls(cls) -> type[SignalIndex]:
        from safeguarding.matching.exact_index import ExactIndex

        return ExactIndex

    @classmethod
    def validate(cls, value: str) -> str:
        if not isinstance(value, str):
            raise SignalError(f"{cls.name} value must be a string")
        canonical = value.strip().lower()
        if len(canonical) != cls.hex_length or not re.fullmatch(r"[0-9a-f]+", canonical):
            raise SignalError(
                f"invalid {cls.name}: expected {cls.hex_length} hex characters, got {value[:80]!r}"
            )
        return canonical

    @classmethod
    def compare(cls, a: str, b: str, threshold: int | None = None) -> Comparison:
        same = cls.validate(a) == cls.validate(b)
        return Comparison(matched=same, distance=0 if same else 1)
