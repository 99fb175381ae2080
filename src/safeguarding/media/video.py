"""Untrusted video bytes -> RGB frames sampled at a fixed rate, lazily, within limits.

PyAV is an optional extra (`safeguarding[video]`); the core imports without it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from safeguarding.errors import (
    CorruptMediaError,
    MediaLimitError,
    MissingDependencyError,
    SafeguardingError,
)
from safeguarding.media.image import RGBArray
from safeguarding.media.limits import MediaLimits


@dataclass(frozen=True)
class VideoFrame:
    index: int  # position in the decoded stream, 0-based
    timestamp: float  # seconds
    pixels: RGBArray


def _import_av() -> Any:
    try:
        import av
    except ImportError as exc:
        raise MissingDependencyError("av", "video", "video hashing") from exc
    return av


def iter_video_frames(
    data: bytes, limits: MediaLimits | None = None, *, source: str | None = None
) -> Iterator[VideoFrame]:
    """Yield one frame per 1/fps seconds of the first video stream."""
    limits = limits or MediaLimits()
    if not data:
        raise CorruptMediaError("empty file (0 bytes)", source=source)
    if len(data) > limits.max_video_bytes:
        raise MediaLimitError("video bytes", len(data), limits.max_video_bytes, source=source)
    av = _import_av()
    try:
        container = av.open(io.BytesIO(data), mode="r")
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        raise CorruptMediaError(f"cannot open video: {exc}", source=source) from exc
    with container:
        if not container.streams.video:
            raise CorruptMediaError("no video stream", source=source)
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        _check_declared(container, stream, limits, source)
        yield from _sample(container, stream, limits, source, av)


def _check_declared(container: Any, stream: Any, limits: MediaLimits, source: str | None) -> None:
    """Refuse what the headers say is too large before decoding a frame. The headers may
    understate; `_sample` counts again as it decodes."""
    width, height = stream.codec_context.width or 0, stream.codec_context.height or 0
    if width * height > limits.max_video_pixels:
        raise MediaLimitError(
            "video frame pixels", width * height, limits.max_video_pixels, source=source
        )
    seconds = None if container.duration is None else container.duration / 1_000_000
    if seconds is not None and seconds > limits.max_video_seconds:
        raise MediaLimitError("video seconds", seconds, limits.max_video_seconds, source=source)
    # Decoding costs every frame, sampled or not: 48 minutes at 100 fps is 288,000 frames.
    frames = int(stream.frames or 0)
    if not frames and seconds is not None and stream.average_rate:
        frames = int(seconds * float(stream.average_rate))
    if frames > limits.max_video_decoded_frames:
        raise MediaLimitError(
            "video frames decoded", frames, limits.max_video_decoded_frames, source=source
        )


def _sample(
    container: Any, stream: Any, limits: MediaLimits, source: str | None, av: Any
) -> Iterator[VideoFrame]:
    step = 1.0 / limits.video_fps
    next_at = 0.0
    sampled = 0
    rate = float(stream.average_rate or 30)
    try:
        for index, frame in enumerate(container.decode(stream)):
            if index >= limits.max_video_decoded_frames:
                raise MediaLimitError(
                    "video frames decoded",
                    index + 1,
                    limits.max_video_decoded_frames,
                    source=source,
                )
            timestamp = float(frame.time) if frame.time is not None else index / rate
            if timestamp > limits.max_video_seconds:
                raise MediaLimitError(
                    "video seconds", timestamp, limits.max_video_seconds, source=source
                )
            if frame.width * frame.height > limits.max_video_pixels:
                raise MediaLimitError(
                    "video frame pixels",
                    frame.width * frame.height,
                    limits.max_video_pixels,
                    source=source,
                )
            if timestamp + 1e-6 < next_at:
                continue
            sampled += 1
            if sampled > limits.max_video_frames:
                raise MediaLimitError(
                    "video frames", sampled, limits.max_video_frames, source=source
                )
            next_at = max(next_at + step, timestamp + step * 0.5)
            yield VideoFrame(index, timestamp, frame.to_ndarray(format="rgb24"))
    except SafeguardingError:
        raise
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        raise CorruptMediaError(f"cannot decode video: {exc}", source=source) from exc
    if sampled == 0:
        raise CorruptMediaError("video has no decodable frames", source=source)
