"""Frames and pages beyond the first: each checked before it is decoded, and capped."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from safeguarding.errors import MediaLimitError
from safeguarding.hashing import hash_bytes
from safeguarding.media import MediaLimits
from safeguarding.media.image import decode_image, iter_frames
from tests.media.generate import gif

ALL = MediaLimits(animated_all_frames=True)


def _gradient(angle: int) -> Image.Image:
    y, x = np.mgrid[0:48, 0:64]
    pixels = np.stack([x * 4 % 256, y * 5 % 256, (x + y) % 256], axis=2).astype(np.uint8)
    return Image.fromarray(pixels).rotate(angle)


def _animation() -> bytes:
    frames = [_gradient(angle) for angle in (0, 90, 180)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


def test_first_frame_only_unless_every_frame_is_asked_for() -> None:
    data = _animation()
    assert [f.frame for f in iter_frames(data)] == [0]
    frames = list(iter_frames(data, ALL))
    assert [f.frame for f in frames] == [0, 1, 2]
    assert all(f.pixels.shape == (48, 64, 3) for f in frames)
    assert np.array_equal(frames[0].pixels, decode_image(data).pixels)


def test_every_frame_is_hashed_as_its_own_view() -> None:
    views = [s.view for s in hash_bytes(_animation(), ALL).signals if s.type == "pdq"]
    assert views == [None, "frame1", "frame2"]
    assert [s.view for s in hash_bytes(_animation()).signals if s.type == "pdq"] == [None]
    # a still stretch of an animation (frames hashing alike) adds nothing
    still = gif((64, 64), [(0, 0, 1, 1)] * 3)
    assert len(list(iter_frames(still, ALL))) == 3
    views = [s.view for s in hash_bytes(still, ALL).signals if s.type == "pdq"]
    assert not [v for v in views if v and v.startswith("frame")]


def test_frame_count_is_capped() -> None:
    data = gif((64, 64), [(i % 64, 0, 1, 1) for i in range(30)])
    assert (
        len(list(iter_frames(data, MediaLimits(animated_all_frames=True, max_image_frames=30))))
        == 30
    )
    frames = iter_frames(data, MediaLimits(animated_all_frames=True, max_image_frames=29))
    with pytest.raises(MediaLimitError) as caught:
        list(frames)
    assert caught.value.limit == "image frames"


def test_canvas_bomb_is_refused_by_the_pixels_of_all_frames() -> None:
    # 1-pixel frames in the file, each the whole 1000x1000 canvas once decoded
    data = gif((1000, 1000), [(i, 0, 1, 1) for i in range(50)])
    assert len(data) < 2000
    limits = MediaLimits(animated_all_frames=True, max_animation_pixels=10_000_000)
    with pytest.raises(MediaLimitError) as caught:
        hash_bytes(data, limits, source="bomb.gif")
    assert caught.value.limit == "image pixels in all frames"
    assert "bomb.gif" in str(caught.value)


def test_a_later_frame_larger_than_the_canvas_is_checked_before_decoding() -> None:
    data = gif((64, 64), [(0, 0, 1, 1), (0, 0, 20_000, 20_000)])
    assert decode_image(data).pixels.shape == (64, 64, 3)
    with pytest.raises(MediaLimitError) as caught:
        list(iter_frames(data, ALL, source="grows.gif"))
    assert caught.value.limit == "image pixels"
    assert caught.value.value == 400_000_000


def test_later_tiff_pages_are_checked_before_decoding() -> None:
    small, large = Image.new("L", (64, 64), 30), Image.new("L", (3000, 2000), 200)
    buffer = io.BytesIO()
    small.save(
        buffer, "TIFF", save_all=True, append_images=[large], compression="tiff_adobe_deflate"
    )
    data = buffer.getvalue()
    pages = list(iter_frames(data, ALL))
    assert [p.original_size for p in pages] == [(64, 64), (3000, 2000)]
    limits = MediaLimits(animated_all_frames=True, max_image_pixels=5_000_000)
    assert decode_image(data, limits).original_size == (64, 64)
    with pytest.raises(MediaLimitError) as caught:
        list(iter_frames(data, limits))
    assert caught.value.value == 6_000_000
