"""Untrusted image bytes -> RGB uint8 pixels (or a JPEG's luma plane), frame by frame, within
limits, with EXIF orientation applied.

Everything is checked before the pixels it guards are decoded: the bytes, the size the file
declares, and for further frames and pages (animated GIF/WebP, multi-page TIFF, HEIF
sequences, with `animated_all_frames`) each frame's size, how many frames, and how many
pixels all of them make together. Frames come one at a time (`iter_frames`), so an
animation costs the memory of one frame, however many it has. Pixels come out reduced to
`image_max_side`, converted and reduced tile by tile (`pixels.py`), so a large 16-bit or
float image never exists widened at full size.

Pillow's own decompression-bomb guard (`Image.MAX_IMAGE_PIXELS`) is process-wide state that
other code in the process may rely on, so we leave it as the process set it. Pillow warns
(it does not refuse) between that number and twice it; our decoders silence that warning
for their own header reads only, under a lock, since our limit is the one that applies.
Above twice Pillow's number Pillow refuses, and we report that as our limit error.
"""

from __future__ import annotations

import io
import re
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image, UnidentifiedImageError

from safeguarding.errors import CorruptMediaError, MediaLimitError, UnsupportedMediaError
from safeguarding.media.limits import MediaLimits
from safeguarding.media.pixels import Pixels, reduce_pixels, reduced_size, to_pixels

RGBArray = Pixels
_ORIENTATION = 0x0112  # EXIF tag
#: EXIF orientation -> the turn that shows the picture upright (as ImageOps.exif_transpose)
_TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
#: Bytes a decoder holds per pixel, measured (bench/bench_hostile.py), where it is more than
#: the 4 of one RGBA copy: Pillow's WebP decoder keeps libwebp's canvas, a copy of it as
#: bytes and the image (16); AVIF and HEIF decoders keep YUV planes beside the image.
#: Such files get a proportionally smaller share of max_image_pixels, so no format costs
#: more memory than the largest PNG allowed: a 10000x10000 WebP took 1.5 GB.
_DECODER_BYTES = {"WEBP": 16, "AVIF": 10, "HEIF": 8}
#: warnings filters are process state: two of our threads must not swap them at once
_GUARD = threading.Lock()

__all__ = ["DecodedImage", "RGBArray", "decode_image", "iter_frames", "reduce_pixels"]


@cache
def _register_heif() -> None:
    from pillow_heif import register_heif_opener

    register_heif_opener()


@dataclass(frozen=True)
class DecodedImage:
    #: H x W x 3 RGB; H x W luma when a JPEG was decoded with `grey`
    pixels: RGBArray
    format: str
    mode: str
    #: the size the file declares (before any reduction), width x height
    original_size: tuple[int, int] = (0, 0)
    #: which frame or page of the file, from 0
    frame: int = 0

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


def decode_image(
    data: bytes,
    limits: MediaLimits | None = None,
    *,
    source: str | None = None,
    grey: bool = False,
) -> DecodedImage:
    """Decode the first frame of image bytes (JPEG, PNG, WebP, GIF, BMP, TIFF, HEIC/HEIF).

    `grey` (for hashing): a colour JPEG comes back as its luma (Y) channel alone, an H x W
    array; the decoder then skips the colour planes, which is most of the work."""
    limits = limits or MediaLimits()
    with _opened(data, limits, source) as image:
        return _first(image, limits, grey)


def iter_frames(
    data: bytes,
    limits: MediaLimits | None = None,
    *,
    source: str | None = None,
    grey: bool = False,
) -> Iterator[DecodedImage]:
    """The first frame, then (with `limits.animated_all_frames`) every further frame or page,
    each decoded only when asked for and only after its limits are checked."""
    limits = limits or MediaLimits()
    with _opened(data, limits, source) as image:
        width, height = image.size
        yield _first(image, limits, grey)
        if not limits.animated_all_frames:
            return
        total, index = width * height, 0
        while _seek(image, index + 1):
            index += 1
            if index + 1 > limits.max_image_frames:
                raise MediaLimitError(
                    "image frames", index + 1, limits.max_image_frames, source=source
                )
            pixels = _check_size(image, limits, source)
            total += pixels
            if total > limits.max_animation_pixels:
                raise MediaLimitError(
                    "image pixels in all frames", total, limits.max_animation_pixels, source=source
                )
            yield _decoded(image, limits, image.size, False, index)


@contextmanager
def _opened(data: bytes, limits: MediaLimits, source: str | None) -> Iterator[Image.Image]:
    """The image with its header read and its declared size checked; Pillow's errors,
    wherever they arise while it is open, as ours."""
    if not data:
        raise CorruptMediaError("empty file (0 bytes)", source=source)
    if len(data) > limits.max_image_bytes:
        raise MediaLimitError("image bytes", len(data), limits.max_image_bytes, source=source)
    _register_heif()
    try:
        with _quiet_guard():
            image = Image.open(io.BytesIO(data))
        with image:
            _check_size(image, limits, source)
            yield image
    except UnidentifiedImageError as exc:
        raise UnsupportedMediaError("not a recognised image format", source=source) from exc
    except Image.DecompressionBombError as exc:
        found = re.search(r"\((\d+) pixels\)", str(exc))
        pillow = 2 * (Image.MAX_IMAGE_PIXELS or 0)
        raise MediaLimitError(
            "image pixels",
            int(found[1]) if found else pillow + 1,
            min(limits.max_image_pixels, pillow),
            source=source,
        ) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptMediaError(f"cannot decode image: {exc}", source=source) from exc


@contextmanager
def _quiet_guard() -> Iterator[None]:
    with _GUARD, warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        yield


def _check_size(image: Image.Image, limits: MediaLimits, source: str | None) -> int:
    width, height = image.size
    if width <= 0 or height <= 0:
        raise CorruptMediaError(f"declares an empty size {width}x{height}", source=source)
    cost = _DECODER_BYTES.get(image.format or "", 4)
    allowed = limits.max_image_pixels * 4 // cost
    if width * height > allowed:
        name = "image pixels" if cost == 4 else f"{image.format} image pixels"
        raise MediaLimitError(name, width * height, allowed, source=source)
    return width * height


def _seek(image: Image.Image, index: int) -> bool:
    """Move to frame `index`; False when there is none (reads its header, not its pixels)."""
    try:
        with _quiet_guard():
            image.seek(index)
    except EOFError:
        return False
    return True


def _first(image: Image.Image, limits: MediaLimits, grey: bool) -> DecodedImage:
    declared = image.size
    fmt = image.format or "unknown"
    luma = grey and fmt == "JPEG"
    if fmt == "JPEG":
        # Decode at 1/2, 1/4 or 1/8 scale in the DCT (no larger than needed).
        size = reduced_size(*declared, limits.image_max_side)
        size = (max(size[0], 1), max(size[1], 1))
        image.draft("L" if luma and image.mode == "RGB" else image.mode, size)
    return _decoded(image, limits, declared, luma, 0)


def _decoded(
    image: Image.Image, limits: MediaLimits, declared: tuple[int, int], luma: bool, index: int
) -> DecodedImage:
    image.load()
    pixels = to_pixels(image, limits.image_max_side, luma=luma)
    turn = _TURNS.get(image.getexif().get(_ORIENTATION, 1) or 1)
    if turn is not None:  # on the reduced pixels: turning commutes with reducing
        pixels = np.ascontiguousarray(np.asarray(Image.fromarray(pixels).transpose(turn)))
    return DecodedImage(
        pixels=pixels,
        format=image.format or "unknown",
        mode=image.mode,
        original_size=declared,
        frame=index,
    )
