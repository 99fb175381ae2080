"""Conversion to RGB tile by tile: the same pixels as converting the whole image, without
ever holding the whole image widened."""

from __future__ import annotations

import io
import tracemalloc

import numpy as np
import pytest
from PIL import Image

from safeguarding.hashing.pdq import hamming, pdq_hash
from safeguarding.media import MediaLimits
from safeguarding.media.image import decode_image
from safeguarding.media.pixels import reduce_pixels, to_pixels
from tests.conftest import PDQ_DATA, require_shared
from tests.media.generate import png


def _smooth(mode: str, size: tuple[int, int] = (201, 137)) -> Image.Image:
    """Gradients and waves, as photos are: noise would make any box edge look large."""
    y, x = np.mgrid[0 : size[1], 0 : size[0]].astype(np.float64)
    wave = (np.sin(x / 7) + np.cos(y / 5)) * 60 + 128
    if mode in ("I;16", "I", "F"):
        values = {
            "I;16": (x * 200 + y * 10, np.uint16),
            "I": (x * 3000 - y * 500, np.int32),
            "F": (wave * 3.5 - 20, np.float32),
        }[mode]
        array = values[0].astype(values[1])
        if mode == "F":
            array[5, 7], array[100, 3] = np.nan, np.inf
        return Image.fromarray(array)  # uint16: I;16, int32: I, float32: F
    rgba = np.stack([x * 255 / size[0], y * 255 / size[1], wave, 255 - x % 256], axis=2)
    image = Image.fromarray(rgba.astype(np.uint8))
    if mode in ("P", "1"):  # undithered: flat regions with edges, as drawings are
        return (
            image.convert("RGB").quantize(64, dither=Image.Dither.NONE)
            if mode == "P"
            else image.convert("L").convert("1", dither=Image.Dither.NONE)
        )
    return image.convert(mode)


@pytest.mark.parametrize(
    "mode", ["I;16", "I", "F", "RGB", "RGBA", "LA", "P", "CMYK", "L", "1", "YCbCr"]
)
@pytest.mark.parametrize("max_side", [0, 200, 61, 25])
def test_tiles_give_the_pixels_of_the_whole_image(mode: str, max_side: int) -> None:
    image = _smooth(mode)
    whole = reduce_pixels(to_pixels(image, 0, tile_pixels=10**9), max_side).astype(int)
    for tile_pixels in (53, 700, 4000):
        tiled = to_pixels(image, max_side, tile_pixels=tile_pixels)
        assert tiled.shape == whole.shape
        gap = np.abs(tiled - whole)
        if max_side == 0:  # converted tile by tile, nothing reduced: exactly the same
            assert gap.max() == 0, (mode, tile_pixels)
        else:
            assert gap.mean() < 0.5, (mode, max_side, tile_pixels)


def test_photos_hash_the_same_through_tiles() -> None:
    require_shared()
    large = sorted((PDQ_DATA / "reg-test-input" / "exif-rotn").glob("*.jpg"))[:2]
    assert large
    for path in large:
        with Image.open(path) as image:
            image.load()
            whole = reduce_pixels(np.asarray(image.convert("RGB")), 2048)
            tiled = to_pixels(image, 2048, tile_pixels=100_000)
        assert hamming(pdq_hash(tiled)[0], pdq_hash(whole)[0]) <= 2, path.name


def test_sixteen_bit_image_is_never_widened_whole() -> None:
    # 16 million 16-bit pixels: a float64 copy of them all would be 128 MB
    side = 4000
    data = png(side, side, 0, 16, lambda y: np.full(side, y * 16, dtype=">u2").tobytes())
    tracemalloc.start()
    try:
        pixels = decode_image(data).pixels
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert pixels.shape == (2048, 2048, 3)
    assert peak < 64 * 2**20, f"{peak / 2**20:.0f} MB traced"
    column = pixels[:, 0, 0].astype(int)
    assert column[0] < 5 and column[-1] > 245 and np.all(np.diff(column) >= 0)


def test_orientation_is_applied_to_the_reduced_pixels() -> None:
    y, x = np.mgrid[0:300, 0:500]
    image = Image.fromarray(np.stack([x % 256, y % 256, (x * y) % 256], 2).astype(np.uint8))
    exif = Image.Exif()
    exif[0x0112] = 6  # a quarter turn clockwise
    buffer = io.BytesIO()
    image.save(buffer, "PNG", exif=exif)
    turned = decode_image(buffer.getvalue(), MediaLimits(image_max_side=100)).pixels
    expected = reduce_pixels(np.asarray(image.transpose(Image.Transpose.ROTATE_270)), 100)
    assert turned.shape == expected.shape == (100, 60, 3)
    assert np.abs(turned.astype(int) - expected).max() <= 1
