"""Untrusted image bytes -> an RGB uint8 array, with EXIF orientation applied.

Every Pillow mode is converted deliberately (see `_to_rgb`) rather than trusting
`Image.convert("RGB")`, which clips 16-bit and float images to white.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from safeguarding.errors import CorruptMediaError, MediaLimitError, UnsupportedMediaError
from safeguarding.media.limits import MediaLimits

RGBArray = npt.NDArray[np.uint8]
_ORIENTATION = 0x0112  # EXIF tag

# Pillow's own bomb check is global state and fires late (after reading headers of every
# frame); we check the declared size ourselves before any pixel is decoded.
Image.MAX_IMAGE_PIXELS = None
ImageFile.LOAD_TRUNCATED_IMAGES = False


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
    other_frames: tuple[RGBArray, ...] = field(default=())
    #: the size the file declares (before any reduction), width x height
    original_size: tuple[int, int] = (0, 0)

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


def decode_image(
    data: bytes, limits: MediaLimits | None = None, *, source: str | None = None,
    grey: bool = False,
) -> DecodedImage:
    """Decode image bytes (JPEG, PNG, WebP, GIF, BMP, TIFF, HEIC/HEIF) to RGB pixels.

    `grey` (for hashing): a colour JPEG comes back as its luma (Y) channel alone, an H x W
    array; the decoder then skips the colour planes, which is most of the work."""
    limits = limits or MediaLimits()
    if not data:
        raise CorruptMediaError("empty file (0 bytes)", source=source)
    if len(data) > limits.max_image_bytes:
        raise MediaLimitError("image bytes", len(data), limits.max_image_bytes, source=source)
    _register_heif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            fmt = image.format or "unknown"
            width, height = image.size
            if width <= 0 or height <= 0:
                raise CorruptMediaError(f"declares an empty size {width}x{height}", source=source)
            if width * height > limits.max_image_pixels:
                raise MediaLimitError(
                    "image pixels", width * height, limits.max_image_pixels, source=source
                )
            side = limits.image_max_side
            if fmt == "JPEG":
                size = (width, height)
                if side and max(width, height) > side:
                    # Decode at 1/2, 1/4 or 1/8 scale in the DCT (no larger than needed).
                    scale = max(width, height) / side
                    size = (math.ceil(width / scale), math.ceil(height / scale))
                image.draft("L" if grey and image.mode == "RGB" else image.mode, size)
            frames = [_load_frame(image, side, grey and fmt == "JPEG")]
            n_frames = getattr(image, "n_frames", 1)
            if limits.animated_all_frames and n_frames > 1:
                for index in range(1, n_frames):
                    image.seek(index)
                    frames.append(_load_frame(image, side, grey and fmt == "JPEG"))
    except UnidentifiedImageError as exc:
        raise UnsupportedMediaError("not a recognised image format", source=source) from exc
    except (MediaLimitError, CorruptMediaError):
        raise
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptMediaError(f"cannot decode image: {exc}", source=source) from exc
    except Image.DecompressionBombError as exc:
        raise MediaLimitError(
            "image pixels", width * height, limits.max_image_pixels, source=source
        ) from exc
    return DecodedImage(
        pixels=frames[0], format=fmt, mode=image.mode, other_frames=tuple(frames[1:]),
        original_size=(width, height),
    )


def _load_frame(image: Image.Image, max_side: int, grey: bool) -> RGBArray:
    image.load()
    if image.getexif().get(_ORIENTATION, 1) not in (1, None):
        image = ImageOps.exif_transpose(image)  # a copy: only when there is a turn to apply
    if grey and image.mode == "L":
        return reduce_pixels(np.asarray(image, dtype=np.uint8), max_side)
    return reduce_pixels(_to_rgb(image), max_side)


def reduce_pixels(pixels: RGBArray, max_side: int) -> RGBArray:
    """Shrink RGB or luma pixels so the longer side is at most `max_side` (0: as it is)."""
    height, width = pixels.shape[:2]
    if max_side and max(width, height) > max_side:
        scale = max_side / max(width, height)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        # Box filtering averages areas, as PDQ's own downsampling does.
        reduced = Image.fromarray(pixels).resize(size, Image.Resampling.BOX)
        pixels = np.asarray(reduced, dtype=np.uint8)
    return np.ascontiguousarray(pixels)


def _to_rgb(image: Image.Image) -> RGBArray:
    mode = image.mode
    if mode in ("RGB",):
        rgb = image
    elif mode in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):
        return _grey_array_to_rgb(np.asarray(image, dtype=np.float64))
    elif mode in ("RGBA", "RGBa", "LA", "La", "PA", "P", "1", "L", "CMYK", "YCbCr", "HSV"):
        # Alpha is dropped rather than composited, as the PDQ reference hasher does, so a
        # transparent copy of an image hashes like the original pixels underneath.
        rgb = image.convert("RGBA").convert("RGB") if mode in ("PA", "La") else image.convert("RGB")
    elif mode == "LAB":
        rgb = _lab_to_rgb(image)
    else:
        raise UnsupportedMediaError(f"image mode {mode!r} is not supported")
    return np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))


def _grey_array_to_rgb(values: npt.NDArray[np.float64]) -> RGBArray:
    """Scale a 16-bit, 32-bit or float greyscale image onto 0..255 by its nominal range."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        scaled = np.zeros(values.shape)
    else:
        lo, hi = float(finite.min()), float(finite.max())
        if lo >= 0 and hi <= 1.0 and values.dtype.kind == "f" and hi > 0:
            scaled = values * 255.0
        elif lo >= 0 and hi <= 255:
            scaled = values
        elif lo >= 0 and hi <= 65535:
            scaled = values / 257.0
        else:
            scaled = (values - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros(values.shape)
    grey = np.clip(np.nan_to_num(scaled), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))


def _lab_to_rgb(image: Image.Image) -> Image.Image:
    from PIL import ImageCms

    transform = ImageCms.buildTransform(
        ImageCms.createProfile("LAB"), ImageCms.createProfile("sRGB"), "LAB", "RGB"
    )
    result = ImageCms.applyTransform(image, transform)
    if result is None:  # pragma: no cover - only when transforming in place
        raise CorruptMediaError("LAB conversion failed")
    return result
