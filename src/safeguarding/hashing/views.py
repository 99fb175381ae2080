"""Other views of an image that make PDQ robust to padding and cropping.

Plain PDQ misses padded and cropped copies (Thorn's benchmark: 1.35% recall at 20% padding,
9% at a 5% crop). So both sides trim uniform borders before hashing (a letterboxed or padded
copy becomes its original again), and a bank can also store a few centre crops of each image
(a lightly cropped copy then lands near one of them). Stored names: never rename.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

#: H x W x 3 RGB or H x W luma
RGB = npt.NDArray[np.uint8]

TRIMMED = "trimmed"
#: further frames of an animation or pages of a file: "frame1", "frame2" ...
FRAME = "frame"
#: name -> fraction of width and height kept, centred
CROPS: dict[str, float] = {"crop95": 0.95, "crop90": 0.90}

#: a border line is uniform when this share of its pixels is within TOLERANCE of its colour
_SHARE = 0.97
_TOLERANCE = 10.0
#: once a border is found, where it ends is judged more loosely: JPEG ringing in the 8x8
#: blocks astride the edge leaves a few border lines noisy (seen: +-20 levels on black)
_EDGE_TOLERANCE = 25.0
#: trims smaller than this (share of the side) are noise, not padding
_MIN_TRIM = 0.02
#: never trim more than this share from one side
_MAX_TRIM = 0.45


def _grey(pixels: RGB, colour: bool) -> npt.NDArray[np.float32]:
    values = pixels.astype(np.float32)
    return values.mean(axis=-1) if colour else values


def _uniform_lines(
    lines: RGB, colour: bool, reference: float, tolerance: float = _TOLERANCE
) -> int:
    """How many lines (rows of `lines`, from the first) stay close to `reference`. Read in
    growing chunks: most borders, and most uniform picture edges (sky), end early."""
    limit = int(len(lines) * _MAX_TRIM)
    done, step = 0, 8
    while done < limit:
        grey = _grey(lines[done : min(limit, done + step)], colour)
        close = (np.abs(grey - reference) <= tolerance).mean(axis=1) >= _SHARE
        if not close.all():
            return done + int(np.argmin(close))
        done, step = done + len(close), step * 2
    return limit


def _edge_is_uniform(grey: npt.NDArray[np.float32]) -> bool:
    return bool((np.abs(grey - np.median(grey)) <= _TOLERANCE).mean() >= _SHARE)


def trim_borders(pixels: RGB) -> RGB | None:
    """The image without uniform borders (padding, letterboxing), or None if it has none."""
    height, width = pixels.shape[:2]
    if height < 16 or width < 16:
        return None
    edges = (pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1])
    colour = pixels.ndim == 3
    if not any(_edge_is_uniform(_grey(edge, colour)) for edge in edges):
        return None  # most pictures: decided from four lines of pixels
    across = pixels.swapaxes(0, 1)
    sides = {"top": pixels, "bottom": pixels[::-1], "left": across, "right": across[::-1]}
    trims = {}
    for name, lines in sides.items():
        reference = float(np.median(_grey(lines[0], colour)))
        strict = _uniform_lines(lines, colour, reference)
        if strict / len(lines) >= _MIN_TRIM:  # a border: find its noisy end
            strict = _uniform_lines(lines, colour, reference, _EDGE_TOLERANCE)
        trims[name] = strict
    top, bottom, left, right = trims["top"], trims["bottom"], trims["left"], trims["right"]
    if max(top / height, bottom / height, left / width, right / width) < _MIN_TRIM:
        return None
    if top + bottom >= height * 0.9 or left + right >= width * 0.9:
        return None  # nearly all border: a flat image, not a padded one
    return np.ascontiguousarray(pixels[top : height - bottom, left : width - right])


def centre_crop(pixels: RGB, keep: float) -> RGB:
    height, width = pixels.shape[:2]
    dy, dx = round(height * (1 - keep) / 2), round(width * (1 - keep) / 2)
    return np.ascontiguousarray(pixels[dy : height - dy, dx : width - dx])
