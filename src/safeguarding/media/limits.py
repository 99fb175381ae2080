"""Limits on untrusted media, one place so every decoder enforces the same numbers."""

from __future__ import annotations

from dataclasses import dataclass

from safeguarding.config import Settings


@dataclass(frozen=True)
class MediaLimits:
    max_image_bytes: int = 50 * 1024 * 1024
    max_image_pixels: int = 100_000_000
    max_video_bytes: int = 200 * 1024 * 1024
    max_video_seconds: float = 3 * 3600.0
    max_video_frames: int = 20_000
    max_video_pixels: int = 4096 * 4096
    video_fps: float = 1.0
    animated_all_frames: bool = False
    #: decode images no larger than this longer side (0: full resolution)
    image_max_side: int = 2048
    #: hash colour JPEGs from their luma (Y) plane, decoded without colour (about 5x faster;
    #: a median 0 bits from hashing the RGB pixels); False decodes colour as pdqhash's
    #: callers do, bit for bit
    jpeg_luma: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> MediaLimits:
        return cls(
            max_image_bytes=settings.max_image_bytes,
            max_image_pixels=settings.max_image_pixels,
            max_video_bytes=settings.max_video_bytes,
            max_video_seconds=settings.max_video_seconds,
            max_video_frames=settings.max_video_frames,
            max_video_pixels=settings.max_video_pixels,
            video_fps=settings.video_fps,
            animated_all_frames=settings.animated_all_frames,
            image_max_side=settings.pdq_max_side,
        )
