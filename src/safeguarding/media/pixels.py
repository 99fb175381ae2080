"""A decoded Pillow image of any mode -> RGB (or luma) uint8 pixels, reduced on the way.

Every mode is converted deliberately rather than trusting `Image.convert("RGB")`, which
clips 16-bit and float images to white: those are scaled by their range.

Conversion happens tile by tile, and each tile is box-reduced as soon as it is converted,
so no full-size widened copy ever exists: widening a 100-megapixel 16-bit image to float64
at once took 800 MB per copy (issue 11). Each tile is cut with a margin and resized with
Pillow's `box` argument over exactly its share of the source, so the result is that of one
resize of the whole converted image, except where a box edge falls exactly on a pixel
boundary and rounding decides the other way (a few levels, on a few percent of the pixels;
tested, and PDQ hashes of photos come out the same).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import numpy as np
import numpy.typing as npt
from PIL import Image

from safeguarding.errors import CorruptMediaError, UnsupportedMediaError

Pixels = npt.NDArray[np.uint8]
#: pixels converted at once: a float64 tile of this many is 8 MB
TILE_PIXELS = 1 << 20
_WIDE_GREY = ("I", "I;16", "I;16L", "I;16B", "I;16N", "F")
_VIA_PILLOW = ("RGB", "RGBA", "RGBa", "LA", "La", "PA", "P", "1", "L", "CMYK", "YCbCr", "HSV")


def reduced_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """The size an image is reduced to so its longer side is at most `max_side` (0: none)."""
    if max_side and max(width, height) > max_side:
        scale = max_side / max(width, height)
        return max(1, round(width * scale)), max(1, round(height * scale))
    return width, height


def to_pixels(
    image: Image.Image, max_side: int, *, luma: bool = False, tile_pixels: int = TILE_PIXELS
) -> Pixels:
    """The loaded `image` as H x W x 3 RGB (H x W when `luma` and the image is greyscale
    "L", as a JPEG decoded for its luma is), longer side at most `max_side`."""
    convert = _converter(image, luma, tile_pixels)
    width, height = image.size
    out_width, out_height = reduced_size(width, height, max_side)
    if width * height <= tile_pixels and (out_width, out_height) == (width, height):
        return np.ascontiguousarray(convert(image))
    reduce = (out_width, out_height) != (width, height)
    cols = min(width, max(1, math.isqrt(tile_pixels)))
    rows = max(1, tile_pixels // cols)
    out: Pixels | None = None
    for o_y0, o_y1, y0, y1, top, bottom in _spans(height, out_height, rows, reduce):
        for o_x0, o_x1, x0, x1, left, right in _spans(width, out_width, cols, reduce):
            tile = convert(image.crop((x0, y0, x1, y1)))
            if reduce:
                tile = np.asarray(
                    Image.fromarray(tile).resize(
                        (o_x1 - o_x0, o_y1 - o_y0),
                        Image.Resampling.BOX,
                        box=(left, top, right, bottom),
                    )
                )
            if out is None:
                out = np.empty((out_height, out_width, *tile.shape[2:]), dtype=np.uint8)
            out[o_y0:o_y1, o_x0:o_x1] = tile
    assert out is not None
    return out


def reduce_pixels(pixels: Pixels, max_side: int) -> Pixels:
    """Shrink RGB or luma pixels so the longer side is at most `max_side` (0: as it is)."""
    height, width = pixels.shape[:2]
    size = reduced_size(width, height, max_side)
    if size != (width, height):
        # Box filtering averages areas, as PDQ's own downsampling does.
        reduced = Image.fromarray(pixels).resize(size, Image.Resampling.BOX)
        pixels = np.asarray(reduced, dtype=np.uint8)
    return np.ascontiguousarray(pixels)


def _spans(
    size: int, out: int, budget: int, margin: bool
) -> Iterator[tuple[int, int, int, int, float, float]]:
    """Split one axis: (output start, output end, source crop start, end, and the exact
    source interval of that output within the crop). When reducing, one source pixel of
    margin each side keeps every box the resize reads inside the crop."""
    scale = size / out
    pad = 1 if margin else 0
    step = max(1, int((budget - 2 * pad) / scale))
    for start in range(0, out, step):
        end = min(out, start + step)
        first, last = start * scale, end * scale
        crop0, crop1 = max(0, math.floor(first) - pad), min(size, math.ceil(last) + pad)
        yield start, end, crop0, crop1, first - crop0, last - crop0


def _converter(image: Image.Image, luma: bool, tile_pixels: int) -> Callable[[Image.Image], Pixels]:
    mode = image.mode
    if luma and mode == "L":
        return lambda tile: np.asarray(tile, dtype=np.uint8)
    if mode == "RGB":
        return lambda tile: np.asarray(tile, dtype=np.uint8)
    if mode in _WIDE_GREY:
        span = _finite_range(image, tile_pixels)
        return lambda tile: _scale_grey(np.asarray(tile, dtype=np.float64), span)
    if mode in ("PA", "La"):
        # Alpha is dropped rather than composited, as the PDQ reference hasher does, so a
        # transparent copy of an image hashes like the original pixels underneath.
        return lambda tile: np.asarray(tile.convert("RGBA").convert("RGB"), dtype=np.uint8)
    if mode in _VIA_PILLOW:
        return lambda tile: np.asarray(tile.convert("RGB"), dtype=np.uint8)
    if mode == "LAB":
        return _lab_to_rgb
    raise UnsupportedMediaError(f"image mode {mode!r} is not supported")


def _finite_range(image: Image.Image, tile_pixels: int) -> tuple[float, float] | None:
    """Smallest and largest finite value of a 16-bit, 32-bit or float image (None: none)."""
    lo, hi = math.inf, -math.inf
    width, height = image.size
    rows = max(1, tile_pixels // max(1, width))
    for y in range(0, height, rows):
        values = np.asarray(image.crop((0, y, width, min(height, y + rows))), dtype=np.float64)
        finite = values[np.isfinite(values)]
        if finite.size:
            lo, hi = min(lo, float(finite.min())), max(hi, float(finite.max()))
    return None if lo > hi else (lo, hi)


def _scale_grey(values: npt.NDArray[np.float64], span: tuple[float, float] | None) -> Pixels:
    """Map values onto 0..255 by the image's nominal range, known from all of it."""
    if span is None:
        scaled = np.zeros(values.shape)
    else:
        lo, hi = span
        if lo >= 0 and hi <= 1.0 and hi > 0:
            scaled = values * 255.0
        elif lo >= 0 and hi <= 255:
            scaled = values
        elif lo >= 0 and hi <= 65535:
            scaled = values / 257.0
        else:
            scaled = (values - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros(values.shape)
    grey = np.clip(np.nan_to_num(scaled), 0, 255).astype(np.uint8)
    return np.repeat(grey[:, :, None], 3, axis=2)


def _lab_to_rgb(image: Image.Image) -> Pixels:
    from PIL import ImageCms

    transform = ImageCms.buildTransform(
        ImageCms.createProfile("LAB"), ImageCms.createProfile("sRGB"), "LAB", "RGB"
    )
    result = ImageCms.applyTransform(image, transform)
    if result is None:  # pragma: no cover - only when transforming in place
        raise CorruptMediaError("LAB conversion failed")
    return np.asarray(result, dtype=np.uint8)
