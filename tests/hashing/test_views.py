"""Trimmed borders and centre crops: robustness views of an image."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageOps

from safeguarding.demo import generated_image
from safeguarding.hashing import hash_bytes
from safeguarding.hashing.pdq import hamming
from safeguarding.hashing.views import CROPS, TRIMMED, centre_crop, trim_borders


def _picture() -> Image.Image:
    return Image.open(io.BytesIO(generated_image(4, (600, 400)))).convert("RGB")


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def test_padding_is_trimmed_back_to_the_picture() -> None:
    picture = _picture()
    for colour in ("black", "white", (40, 90, 200)):
        padded = ImageOps.expand(picture, border=(60, 40), fill=colour)
        for pixels in (np.asarray(padded), np.asarray(padded.convert("L"))):  # RGB, luma
            trimmed = trim_borders(pixels)
            assert trimmed is not None
            assert abs(trimmed.shape[0] - 400) <= 2 and abs(trimmed.shape[1] - 600) <= 2
            assert trimmed.ndim == pixels.ndim


def test_letterbox_on_two_sides_only() -> None:
    picture = _picture()
    canvas = Image.new("RGB", (600, 560), "black")
    canvas.paste(picture, (0, 80))
    trimmed = trim_borders(np.asarray(canvas))
    assert trimmed is not None and trimmed.shape[:2] == (400, 600)


def test_pictures_without_borders_and_flat_images_are_left_alone() -> None:
    assert trim_borders(np.asarray(_picture())) is None
    assert trim_borders(np.full((200, 300, 3), 128, dtype=np.uint8)) is None
    assert trim_borders(np.zeros((8, 8, 3), dtype=np.uint8)) is None


def test_a_padded_copy_matches_through_its_trimmed_view() -> None:
    picture = _picture()
    original = hash_bytes(_jpeg(picture)).get("pdq")
    padded = hash_bytes(
        _jpeg(ImageOps.expand(picture, border=(60, 40), fill="white")), dihedral=True
    )
    views = {s.view: s for s in padded.signals if s.type == "pdq"}
    assert set(views) == {None, TRIMMED}
    assert original is not None
    assert hamming(views[TRIMMED].value, original.value) <= 10
    assert hamming(views[None].value, original.value) > 31  # plain PDQ misses it
    assert len(views[TRIMMED].rotations) == 8


def test_bank_side_crops() -> None:
    hashes = hash_bytes(_jpeg(_picture()), crops=True)
    assert [s.view for s in hashes.signals if s.type == "pdq"] == [None, *CROPS]
    assert centre_crop(np.zeros((100, 200, 3), dtype=np.uint8), 0.9).shape == (90, 180, 3)


def test_jpeg_ringing_at_the_padding_edge_is_trimmed_too() -> None:
    # 60 and 90 px of padding: both edges fall inside an 8x8 JPEG block, whose ringing
    # leaves the last border lines noisy
    picture = _picture()
    padded = Image.open(io.BytesIO(_jpeg(ImageOps.expand(picture, border=(90, 60), fill="black"))))
    trimmed = trim_borders(np.asarray(padded.convert("RGB")))
    assert trimmed is not None
    assert abs(trimmed.shape[0] - 400) <= 1 and abs(trimmed.shape[1] - 600) <= 1
