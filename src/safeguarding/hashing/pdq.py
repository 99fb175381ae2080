"""PDQ: Meta's 256-bit perceptual image hash (computed by `_pdq_kernels`, identical to the
reference and to the pdqhash package).

Hex strings are the reference encoding: the first hex digit holds bits 255..252.
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt

from safeguarding.errors import SignalError
from safeguarding.hashing import _pdq_kernels as kernels
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


def _to_hex(bits: npt.NDArray[np.uint8]) -> str:
    return bytes(np.packbits(bits)).hex()


def _as_input(pixels: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.dtype != np.uint8:
        raise SignalError(f"PDQ needs an RGB uint8 array, got {pixels.dtype} {pixels.shape}")
    return np.ascontiguousarray(pixels)


def pdq_hash(pixels: npt.NDArray[np.uint8]) -> tuple[str, int]:
    """Hash RGB pixels; returns (hex, quality 0..100), identical to pdqhash.compute."""
    small, quality = kernels.buffer64(_as_input(pixels))
    return _to_hex(kernels.bits(small, kernels._DCT)), int(quality)


#: below this longer side, rotations and flips are hashed from transformed pixels: the
#: DCT-domain shortcut drifts on small images (it is off by a few bits even on large ones)
EXACT_DIHEDRAL_BELOW = 512


def _transformed(pixels: npt.NDArray[np.uint8]) -> list[npt.NDArray[np.uint8]]:
    """The pixels of each DIHEDRAL_VARIANTS entry (matching pdqhash's DCT shortcut)."""
    return [pixels, np.rot90(pixels, 1), np.rot90(pixels, 2), np.rot90(pixels, 3),
            pixels[::-1], pixels[:, ::-1], pixels.transpose(1, 0, 2),
            np.rot90(pixels, 2).transpose(1, 0, 2)]


def pdq_dihedral(pixels: npt.NDArray[np.uint8], *, exact: bool | None = None
                 ) -> tuple[list[str], int]:
    """The hashes of the 8 rotations and flips, in `DIHEDRAL_VARIANTS` order. `exact` hashes
    each transformed image (the default for images under EXACT_DIHEDRAL_BELOW pixels)."""
    pixels = _as_input(pixels)
    if exact is None:
        exact = max(pixels.shape[:2]) < EXACT_DIHEDRAL_BELOW
    if exact:
        hashes = [pdq_hash(np.ascontiguousarray(p)) for p in _transformed(pixels)]
        return [h for h, _ in hashes], hashes[0][1]
    buffers, quality = _mirrored_buffers(pixels)
    plain, lr, ud, both = buffers
    # rot90 = mirror then transpose; rot270 = flip then transpose (np.rot90's directions)
    variants = [plain, lr.T, both, ud.T, ud, lr, plain.T, both.T]
    return [_to_hex(kernels.bits(np.ascontiguousarray(v), kernels._DCT)) for v in variants], (
        quality)


def _mirrored_buffers(pixels: npt.NDArray[np.uint8]
                      ) -> tuple[list[npt.NDArray[np.float32]], int]:
    """The blurred 64x64 images of the pixels as they are, mirrored left-right, flipped
    upside down, and both. PDQ's box filter is symmetric when its window is odd: then the
    mirrored image's buffer is the mirrored buffer. Only along an axis with an even window is
    the mirrored image blurred again (transposing is exact either way)."""
    rows, cols = pixels.shape[:2]
    even_along_rows = kernels.window_size(cols, 64) % 2 == 0
    even_along_cols = kernels.window_size(rows, 64) % 2 == 0
    luminance = kernels.luma(pixels)
    plain, quality = kernels.blur64(luminance)

    def blurred(lr: bool, ud: bool) -> npt.NDArray[np.float32]:
        return kernels.blur64(luminance[::-1 if ud else 1, ::-1 if lr else 1])[0]

    lr = blurred(True, False) if even_along_rows else plain[:, ::-1]
    ud = blurred(False, True) if even_along_cols else plain[::-1]
    if even_along_rows and even_along_cols:
        both = blurred(True, True)
    elif even_along_rows:
        both = lr[::-1]
    else:
        both = ud[:, ::-1]
    return [plain, lr, ud, both], int(quality)
