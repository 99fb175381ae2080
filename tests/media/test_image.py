from __future__ import annotations

import io
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from safeguarding.errors import CorruptMediaError, MediaLimitError, UnsupportedMediaError
from safeguarding.media import MediaKind, MediaLimits, decode_image, sniff
from tests.conftest import PDQ_DATA, require_shared
from tests.media.generate import chunk, png

MODES = PDQ_DATA / "misc-images" / "modes"


def _encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _gradient(width: int = 64, height: int = 48) -> Image.Image:
    y, x = np.mgrid[0:height, 0:width]
    pixels = np.stack([x * 4 % 256, y * 5 % 256, (x + y) % 256], axis=2).astype(np.uint8)
    return Image.fromarray(pixels)


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares a huge size: a decompression bomb's shape."""

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "HEIF"])
def test_every_upload_format_decodes_to_rgb(fmt: str) -> None:
    if fmt == "HEIF":
        from pillow_heif import register_heif_opener

        register_heif_opener()
    data = _encode(_gradient(), fmt)
    assert sniff(data[:64]) is MediaKind.IMAGE
    decoded = decode_image(data)
    assert decoded.pixels.shape == (48, 64, 3)
    assert decoded.pixels.dtype == np.uint8


def test_every_pillow_mode_looks_like_the_original() -> None:
    require_shared()
    original = decode_image((MODES / "original.jpg").read_bytes()).pixels.astype(float)
    for path in sorted(MODES.glob("*.*")):
        if path.suffix == ".md":
            continue
        pixels = decode_image(path.read_bytes()).pixels.astype(float)
        grey_gap = abs(pixels.mean() - original.mean())
        assert pixels.shape == original.shape, path.name
        assert grey_gap < 6, f"{path.name} brightness differs by {grey_gap:.1f}"


def test_sixteen_bit_greyscale_is_scaled_not_clipped() -> None:
    values = (np.linspace(0, 65535, 64 * 48).reshape(48, 64)).astype(np.uint16)
    data = _encode(Image.fromarray(values), "PNG")
    pixels = decode_image(data).pixels
    assert pixels.min() == 0 and pixels.max() == 255
    assert 100 < pixels.mean() < 155


def test_exif_orientation_is_applied() -> None:
    require_shared()
    folder = PDQ_DATA / "reg-test-input" / "exif-rotn"
    # Each file stores 4032x3024 pixels; tags 6 and 8 say "rotate a quarter turn".
    full = MediaLimits(image_max_side=0)
    shapes = {
        p.stem[-1]: decode_image(p.read_bytes(), full).pixels.shape[:2]
        for p in folder.glob("*.jpg")
    }
    assert shapes == {"1": (3024, 4032), "3": (3024, 4032), "6": (4032, 3024), "8": (4032, 3024)}


def test_pillows_own_bomb_guard_is_left_as_the_process_set_it() -> None:
    # Pillow's default: it warns above this many pixels, and refuses above twice it
    assert Image.MAX_IMAGE_PIXELS == 1024 * 1024 * 1024 // 4 // 3
    side = 9500  # 90 million pixels: over Pillow's warning, under our limit
    data = png(side, side, 0, 8, lambda y: bytes([y % 256]) * side)
    filters = list(warnings.filters)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a DecompressionBombWarning would fail the decode
        assert decode_image(data).original_size == (side, side)
    assert warnings.filters == filters
    with pytest.raises(MediaLimitError) as caught:
        decode_image(data, MediaLimits(max_image_pixels=side * side - 1))
    assert caught.value.value == side * side


def test_zero_bytes_is_a_clear_error() -> None:
    with pytest.raises(CorruptMediaError, match="empty file"):
        decode_image(b"", source="empty.jpg")


def test_truncated_jpeg_is_corrupt() -> None:
    data = _encode(_gradient(640, 480), "JPEG")
    for grey in (False, True):  # the luma-only decode fails as clearly
        with pytest.raises(CorruptMediaError, match=r"truncated\.jpg"):
            decode_image(data[: len(data) // 2], source="truncated.jpg", grey=grey)


def test_non_image_bytes_with_an_image_name() -> None:
    with pytest.raises(UnsupportedMediaError, match=r"notes\.jpg"):
        decode_image(b"these are plain words, not a picture" * 10, source="notes.jpg")


def test_decompression_bomb_is_refused_before_decoding() -> None:
    with pytest.raises(MediaLimitError) as caught:
        decode_image(png_declaring(50_000, 50_000), source="bomb.png")
    assert caught.value.limit == "image pixels"
    assert "2.5e+09" in str(caught.value)


def test_jpeg_declaring_a_huge_size_is_refused_before_decoding() -> None:
    data = bytearray(_encode(_gradient(64, 48), "JPEG"))
    sof = data.index(b"\xff\xc0")  # baseline frame header: length, precision, height, width
    data[sof + 5 : sof + 9] = struct.pack(">HH", 50_000, 50_000)
    for grey in (False, True):
        with pytest.raises(MediaLimitError) as caught:
            decode_image(bytes(data), source="bomb.jpg", grey=grey)
        assert caught.value.limit == "image pixels"


def test_byte_limit() -> None:
    data = _encode(_gradient(), "PNG")
    with pytest.raises(MediaLimitError, match="image bytes"):
        decode_image(data, MediaLimits(max_image_bytes=len(data) - 1))


def test_empty_declared_size_is_corrupt(tmp_path: Path) -> None:
    with pytest.raises((CorruptMediaError, UnsupportedMediaError)):
        decode_image(png_declaring(0, 0))


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\x00\x00\x00\x18ftypmp42", MediaKind.VIDEO),
        (b"\x00\x00\x00\x18ftypheic", MediaKind.IMAGE),
        (b"RIFF\x00\x00\x00\x00AVI LIST", MediaKind.VIDEO),
        (b"\x1a\x45\xdf\xa3\x00", MediaKind.VIDEO),
        (b"hello", MediaKind.UNKNOWN),
    ],
)
def test_sniff(head: bytes, kind: MediaKind) -> None:
    assert sniff(head) is kind


def test_large_images_are_reduced_for_hashing() -> None:
    data = _encode(_gradient(2000, 1200), "JPEG")
    small = MediaLimits(image_max_side=512)
    assert decode_image(data, small).pixels.shape == (307, 512, 3)
    assert decode_image(data, small).original_size == (2000, 1200)
    assert decode_image(data).pixels.shape == (1200, 2000, 3)  # under the default 2048
    assert decode_image(_encode(_gradient(3000, 1000), "JPEG")).pixels.shape == (683, 2048, 3)
    png = _encode(_gradient(1500, 700), "PNG")
    assert decode_image(png, small).pixels.shape == (239, 512, 3)


def test_grey_decoding_gives_a_colour_jpegs_luma_plane() -> None:
    image = _gradient(640, 480)
    data = _encode(image, "JPEG")
    colour = decode_image(data).pixels.astype(np.float64)
    luma = decode_image(data, grey=True).pixels
    assert luma.shape == (480, 640) and luma.dtype == np.uint8
    expected = colour @ np.array([0.299, 0.587, 0.114])
    assert np.abs(luma - expected).mean() < 1.0  # the Y plane is the luma, up to rounding
    reduced = decode_image(_encode(_gradient(3000, 1000), "JPEG"), grey=True).pixels
    assert reduced.shape == (683, 2048)
    # only JPEGs have a luma plane to decode alone; other formats stay RGB
    assert decode_image(_encode(image, "PNG"), grey=True).pixels.shape == (480, 640, 3)
    cmyk = io.BytesIO()
    image.convert("CMYK").save(cmyk, "JPEG")
    assert decode_image(cmyk.getvalue(), grey=True).pixels.shape == (480, 640, 3)


@pytest.mark.parametrize(("fmt", "share"), [("WEBP", 4), ("HEIF", 2)])
def test_formats_whose_decoders_hold_more_get_fewer_pixels(fmt: str, share: int) -> None:
    if fmt == "HEIF":
        from pillow_heif import register_heif_opener

        register_heif_opener()
    data = _encode(Image.new("RGB", (200, 100), (90, 120, 30)), fmt)
    assert decode_image(data, MediaLimits(max_image_pixels=20_000 * share)).width == 200
    with pytest.raises(MediaLimitError) as caught:
        decode_image(data, MediaLimits(max_image_pixels=20_000 * share - share))
    assert caught.value.limit == f"{fmt} image pixels"
    assert caught.value.maximum == 20_000 - 1
