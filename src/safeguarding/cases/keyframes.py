"""A video's preview: a few keyframes spread over it, on one 2x2 sheet, never the video.

Nothing can play (autoplay is never a question) and no sound is kept. Decoding goes through
media/video.py, so a video preview is bounded exactly as hashing one is (bytes, seconds,
frames decoded, pixels per frame); while decoding we keep at most `KEPT` small thumbnails,
thinning them by half when full, so memory does not grow with the video's length. Each
keyframe fills one quarter of the sheet: revealing a quarter reveals one keyframe.
("Keyframes" as a reviewer means it: frames that stand for the video, spread evenly over
it; not the codec's intra frames, which may be one for the whole clip.)
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PIL import Image

from safeguarding.media.limits import MediaLimits
from safeguarding.media.video import iter_video_frames

KEYFRAMES = 4  # a 2x2 sheet
TILE_SIDE = 512  # each keyframe at most this wide or high: the sheet stays within 1024 px
KEPT = 32  # thumbnails held while decoding (each at most TILE_SIDE)
#: frames looked at per second: enough that a clip of a second or two still gives four
SAMPLE_FPS = 4.0
_BACKGROUND = (128, 128, 128)


def keyframe_sheet(
    data: bytes, limits: MediaLimits, *, source: str | None = None
) -> tuple[Image.Image, list[float]]:
    """The sheet and the time (seconds) of each keyframe on it, in order. Raises what
    media/video.py raises: CorruptMediaError, MediaLimitError, MissingDependencyError."""
    # Sampling more often costs no memory (we thin) and decoding stays bounded by
    # max_video_decoded_frames, which also bounds how many frames can be sampled.
    sampling = replace(
        limits,
        video_fps=max(limits.video_fps, SAMPLE_FPS),
        max_video_frames=limits.max_video_decoded_frames,
    )
    kept: list[tuple[float, Image.Image]] = []
    stride = 1
    for number, frame in enumerate(iter_video_frames(data, sampling, source=source)):
        if number % stride:
            continue
        image = Image.fromarray(np.ascontiguousarray(frame.pixels))
        image.thumbnail((TILE_SIDE, TILE_SIDE))
        kept.append((frame.timestamp, image))
        if len(kept) >= KEPT:
            kept, stride = kept[::2], stride * 2
    chosen = [kept[i] for i in spread(len(kept), KEYFRAMES)]
    width = max(image.width for _, image in chosen)
    height = max(image.height for _, image in chosen)
    sheet = Image.new("RGB", (2 * width, 2 * height), _BACKGROUND)
    for place, (_, image) in enumerate(chosen):
        column, row = place % 2, place // 2
        sheet.paste(
            image,
            (
                column * width + (width - image.width) // 2,
                row * height + (height - image.height) // 2,
            ),
        )
    return sheet, [at for at, _ in chosen]


def spread(available: int, wanted: int) -> list[int]:
    """`wanted` indexes spread evenly over 0..available-1, first and last included (all of
    them when there are no more than wanted)."""
    if available <= wanted:
        return list(range(available))
    return [round(i * (available - 1) / (wanted - 1)) for i in range(wanted)]
