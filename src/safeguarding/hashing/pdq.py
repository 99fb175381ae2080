"""PDQ: Meta's 256-bit perceptual image hash, computed with the pdqhash bindings.

Hex strings are the reference encoding: the first hex digit holds bits 255..252.
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt
import pdqhash

from safeguarding.errors import SignalError
from safeguarding.hashing.base import Comparison, SignalType

#: order of `pdqhash.compute_dihedral`; stored in match results, so never reorder
DIHEDRAL_VARIANTS: tuple[str, ...] = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_x",
    "flip_y",
    "flip_plus1",
    "flip_minus1",
)
_HEX = re.compile(r"[0-9a-f]{64}")


class PdqSignal(SignalType):
    name = "pdq"
    default_threshold = 31
    perceptual = True

    @classmethod
    def validate(cls, value: str) -> str:
        if not isinstance(value, str):
            raise SignalError("pdq value must be a string")
        canonical = value.strip().lower()
        if not _HEX.fullmatch(canonical):
            raise SignalError(f"invalid pdq: expected 64 hex characters, got {value[:80]!r}")
        return canonical

    @classmethod
    def compare(cls, a: str, b: str, threshold: int | None = None) -> Comparison:
        limit = cls.default_threshold if threshold is None else threshold
        distance = hamming(cls.validate(a), cls.validate(b))
        return Comparison(matched=distance <= limit, distance=distance)

    @classmethod
    def examples(cls) -> list[str]:
        return [
            "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22",
            "0" * 64,
            "f" * 64,
        ]


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _to_hex(vector: npt.NDArray[np.int64]) -> str:
    return bytes(np.packbits(vector.astype(np.uint8))).hex()


def _as_input(pixels: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.dtype != np.uint8:
        raise SignalError(f"PDQ needs an RGB uint8 array, got {pixels.dtype} {pixels.shape}")
    return np.ascontiguousarray(pixels)


def pdq_hash(pixels: npt.NDArray[np.uint8]) -> tuple[str, int]:
    """Hash RGB pixels; returns (hex, quality 0..100)."""
    vector, quality = pdqhash.compute(_as_input(pixels))
    return _to_hex(vector), int(quality)


def pdq_dihedral(pixels: npt.NDArray[np.uint8]) -> tuple[list[str], int]:
    """The hashes of the 8 rotations and flips, in `DIHEDRAL_VARIANTS` order."""
    vectors, quality = pdqhash.compute_dihedral(_as_input(pixels))
    return [_to_hex(v) for v in vectors], int(quality)
