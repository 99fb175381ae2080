from __future__ import annotations

import io
from fractions import Fraction

import av
import numpy as np
import pytest

from safeguarding.errors import CorruptMediaError, MediaLimitError
from safeguarding.media import MediaKind, MediaLimits, sniff
from safeguarding.media.video import iter_video_frames
from tests.conftest import VIDEOS, require_shared


def make_video(
    container: str,
    codec: str,
    seconds: float = 3.0,
    fps: int = 10,
    size: tuple[int, int] = (64, 48),
) -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as out:
        stream = out.add_stream(codec, rate=fps)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, fps)
        for i in range(int(seconds * fps)):
            pixels = np.full((size[1], size[0], 3), (i * 8) % 256, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("container", "codec"),
    [
        ("mp4", "mpeg4"),
        ("mov", "mpeg4"),
        ("matroska", "mpeg4"),
        ("avi", "mpeg4"),
        ("webm", "libvpx"),
    ],
)
def test_containers_decode_at_one_frame_per_second(container: str, codec: str) -> None:
    data = make_video(container, codec, seconds=3.0)
    assert sniff(data[:64]) is MediaKind.VIDEO
    frames = list(iter_video_frames(data))
    assert [round(f.timestamp) for f in frames] == [0, 1, 2]
    assert frames[0].pixels.shape == (48, 64, 3)


def test_sample_rate_is_a_setting() -> None:
    data = make_video("mp4", "mpeg4", seconds=2.0, fps=10)
    assert len(list(iter_video_frames(data, MediaLimits(video_fps=5.0)))) == 10


def test_real_sample_video() -> None:
    require_shared()
    frames = list(iter_video_frames((VIDEOS / "doorknob-hd-no-bar.mp4").read_bytes()))
    # 120 frames at 30 fps: one frame per second of the 4 seconds
    assert [f.index for f in frames] == [0, 30, 60, 90]
    assert frames[1].timestamp == pytest.approx(1.0, abs=0.05)


def test_corrupt_video() -> None:
    data = make_video("mp4", "mpeg4")
    garbage = data[:64] + bytes(reversed(data[64:]))
    with pytest.raises(CorruptMediaError):
        list(iter_video_frames(garbage, source="broken.mp4"))


def test_truncated_video_header() -> None:
    with pytest.raises(CorruptMediaError):
        list(iter_video_frames(make_video("mp4", "mpeg4")[:200]))


def test_empty_video() -> None:
    with pytest.raises(CorruptMediaError, match="empty"):
        list(iter_video_frames(b""))


def test_frame_limit() -> None:
    with pytest.raises(MediaLimitError, match="video frames"):
        list(
            iter_video_frames(
                make_video("mp4", "mpeg4", seconds=5), MediaLimits(max_video_frames=2)
            )
        )


def test_duration_limit() -> None:
    with pytest.raises(MediaLimitError, match="video seconds"):
        list(
            iter_video_frames(
                make_video("mp4", "mpeg4", seconds=5), MediaLimits(max_video_seconds=2)
            )
        )


def test_frame_size_limit() -> None:
    with pytest.raises(MediaLimitError, match="video frame pixels"):
        list(iter_video_frames(make_video("mp4", "mpeg4"), MediaLimits(max_video_pixels=100)))


def test_byte_limit() -> None:
    data = make_video("mp4", "mpeg4")
    with pytest.raises(MediaLimitError, match="video bytes"):
        list(iter_video_frames(data, MediaLimits(max_video_bytes=10)))


def test_decoded_frames_are_capped_not_only_sampled_ones() -> None:
    # 5 seconds at 10 fps: 5 frames sampled, 50 decoded
    data = make_video("mp4", "mpeg4", seconds=5)
    assert len(list(iter_video_frames(data, MediaLimits(max_video_decoded_frames=50)))) == 5
    with pytest.raises(MediaLimitError, match="video frames decoded") as caught:
        list(iter_video_frames(data, MediaLimits(max_video_decoded_frames=49)))
    assert caught.value.value == 50  # the header's count, before decoding


def test_decoded_frames_are_counted_when_the_header_does_not_say() -> None:
    # a raw MPEG-4 stream declares neither a duration nor a frame count
    data = make_video("m4v", "mpeg4", seconds=5)
    assert len(list(iter_video_frames(data, MediaLimits(max_video_decoded_frames=50)))) >= 2
    with pytest.raises(MediaLimitError, match="video frames decoded") as caught:
        list(iter_video_frames(data, MediaLimits(max_video_decoded_frames=20)))
    assert caught.value.value == 21
