"""PDQ: Meta's 256-bit perceptual image hash (computed by `_pdq_kernels`, equal to the
reference and to the pdqhash package on the same pixels).

Hex strings are the reference encoding: the first hex digit holds bits 255..252.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from safeguarding.errors import SignalError
from safeguarding.hashing import _pdq_kernels as kernels
from safeguarding.hashing.base import Comparison, SignalType
from safeguarding.hashing.policy import Candidate, SignalPolicy, setting

if TYPE_CHECKING:
    from safeguarding.config import Settings
    from safeguarding.matching.index import SignalIndex

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


@dataclass(frozen=True)
class PdqPolicy(SignalPolicy):
    """A match is within `threshold` bits, of a query of at least `min_quality` (a query
    without a quality, as precomputed signals may be sent, is not held to it)."""

    threshold: int = setting(31, 0, 128, "largest Hamming distance, in bits, that matches")
    min_quality: int = setting(50, 0, 100, "smallest PDQ quality of the query that matches")

    def search_threshold(self) -> int:
        return self.threshold

    def accepts(self, candidate: Candidate) -> bool:
        quality_ok = candidate.quality is None or candidate.quality >= self.min_quality
        return quality_ok and candidate.distance <= self.threshold

    def describe(self) -> str:
        return f"distance <= {self.threshold}, quality >= {self.min_quality}"


class PdqSignal(SignalType):
    name = "pdq"
    perceptual = True
    Policy = PdqPolicy
    rotation_names = DIHEDRAL_VARIANTS
    hex_length = 64
    identity_rank = 50  # a perceptual hash: the same picture, perhaps not the same file

    @classmethod
    def get_index_cls(cls) -> type[SignalIndex]:
        from safeguarding.matching.pdq_index import PdqIndex

        return PdqIndex

    @classmethod
    def do_not_match_distance(cls, settings: Settings) -> int:
        return settings.do_not_match_pdq_distance

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
        limit = PdqPolicy.threshold if threshold is None else threshold
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


def _to_hex(bits: npt.NDArray[np.uint8]) -> str:
    return bytes(np.packbits(bits)).hex()


def _luminance(pixels: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32] | npt.NDArray[np.uint8]:
    """PDQ's luma of RGB pixels; a 2-D array is taken as luma already (a JPEG's Y channel,
    which the decoder gives without decoding colour)."""
    if (
        pixels.dtype != np.uint8
        or not (pixels.ndim == 2 or (pixels.ndim == 3 and pixels.shape[2] == 3))
        or 0 in pixels.shape
    ):
        raise SignalError(f"PDQ needs RGB or luma uint8 pixels, got {pixels.dtype} {pixels.shape}")
    if pixels.ndim == 2:
        return pixels
    result: npt.NDArray[np.float32] = kernels.luma(np.ascontiguousarray(pixels))
    return result


def pdq_hash(pixels: npt.NDArray[np.uint8]) -> tuple[str, int]:
    """Hash RGB (or luma) pixels; returns (hex, quality 0..100), equal to pdqhash.compute."""
    small = kernels.blur64(_luminance(pixels))
    return _to_hex(kernels.bits(small, kernels._DCT)), int(kernels.quality(small))


def pdq_dihedral(pixels: npt.NDArray[np.uint8]) -> tuple[list[str], int]:
    """The hashes of the 8 rotations and flips, in `DIHEDRAL_VARIANTS` order, each as
    hashing the turned pixels would give it: flips read the blur's weights backwards and
    transposing transposes the 64x64 image, so no turned copy of the pixels is made (the
    DCT-domain shortcut of pdqhash.compute_dihedral drifts a few bits instead)."""
    luminance = _luminance(pixels)
    cols = luminance.shape[1]
    rows_plain = kernels.sampled_rows(luminance, False)
    rows_flipped = kernels.sampled_rows(luminance, True)
    plain = kernels.finish64(rows_plain, cols, False)
    lr = kernels.finish64(rows_plain, cols, True)
    ud = kernels.finish64(rows_flipped, cols, False)
    both = kernels.finish64(rows_flipped, cols, True)
    # rot90 = mirror then transpose; rot270 = flip then transpose (np.rot90's directions)
    variants = [plain, lr.T, both, ud.T, ud, lr, plain.T, both.T]
    return (
        [_to_hex(kernels.bits(np.ascontiguousarray(v), kernels._DCT)) for v in variants],
        int(kernels.quality(plain)),
    )
