"""Limits on untrusted media, one place so every decoder enforces the same numbers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from safeguarding.config import Settings


def _default(setting: str) -> Any:
    """The setting's default: each number is defined once, in `Settings`."""
    return Settings.model_fields[setting].default


@dataclass(frozen=True)
class MediaLimits:
    max_image_bytes: int = _default("max_image_bytes")
    max_image_pixels: int = _default("max_image_pixels")
    max_video_bytes: int = _default("max_video_bytes")
    max_video_seconds: float = _default("max_video_seconds")
    max_video_frames: int = _default("max_video_frames")
    max_video_decoded_frames: int = _default("max_video_decoded_frames")
    max_video_pixels: int = _default("max_video_pixels")
    video_fps: float = _default("video_fps")
    animated_all_frames: bool = _default("animated_all_frames")
    #: with animated_all_frames: most frames or pages, and most pixels all of them make
    max_image_frames: int = _default("max_image_frames")
    max_animation_pixels: int = _default("max_animation_pixels")
    #: decode images no larger than this longer side (0: full resolution)
    image_max_side: int = _default("pdq_max_side")
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
            max_video_decoded_frames=settings.max_video_decoded_frames,
            max_video_pixels=settings.max_video_pixels,
            video_fps=settings.video_fps,
            animated_all_frames=settings.animated_all_frames,
            max_image_frames=settings.max_image_frames,
            max_animation_pixels=settings.max_animation_pixels,
            image_max_side=settings.pdq_max_side,
        )
