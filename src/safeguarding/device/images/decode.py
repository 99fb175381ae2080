"""Untrusted image bytes -> a small RGB working copy for the detector and the blurred preview.

The device never needs full resolution: the detector looks at a few hundred pixels, so JPEGs
are decoded at a reduced scale (libjpeg's DCT scaling, `Image.draft`), which is most of the
cost of a photo. The declared size is checked before any pixel is decoded. Pillow's global
settings are left as the embedding app set them.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import cast

from PIL import Image, ImageOps, UnidentifiedImageError

from safeguarding.errors import CorruptMediaError, MediaLimitError, UnsupportedMediaError

#: what Pillow decodes without plugins; HEIC needs pillow-heif registered by the app
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int = 50 * 2**20
    max_pixels: int = 100_000_000
    #: the working copy's longest side: enough for any detector input and the preview
    working_side: int = 1024


def decode_image(data: bytes, limits: ImageLimits | None = None) -> Image.Image:
    """An RGB image of at most `working_side` pixels a side, upright (EXIF orientation)."""
    limits = limits or ImageLimits()
    if len(data) > limits.max_bytes:
        raise MediaLimitError("file bytes", len(data), limits.max_bytes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data), formats=FORMATS)
            width, height = image.size
            if width * height > limits.max_pixels:
                raise MediaLimitError("pixels", width * height, limits.max_pixels)
            if image.format == "JPEG":
                image.draft("RGB", (limits.working_side, limits.working_side))
            image = ImageOps.exif_transpose(image)
            image.thumbnail(
                (limits.working_side, limits.working_side),
                Image.Resampling.BILINEAR,
                reducing_gap=2.0,
            )
            return _rgb(image)
    except UnidentifiedImageError:
        raise UnsupportedMediaError(
            f"not an image this library decodes ({', '.join(FORMATS)})"
        ) from None
    except Image.DecompressionBombError as exc:
        raise MediaLimitError("pixels", float("inf"), limits.max_pixels) from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise CorruptMediaError(f"the image is broken or truncated: {exc}") from None


def _rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # transparent areas over white, as a chat app shows them
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, (255, 255, 255))
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # 16-bit and float greys: scale by their range, not clip to white
        low, high = cast(tuple[float, float], image.getextrema())
        scale = 255.0 / (high - low) if high > low else 0.0
        image = image.point(lambda v: (v - low) * scale).convert("L")
    return image.convert("RGB")
