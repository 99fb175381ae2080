"""Other views of an image that make PDQ robust to padding and cropping.

Plain PDQ misses padded and cropped copies (Thorn's benchmark: 1.35% recall at 20% padding,
9% at a 5% crop). So both sides trim uniform borders before hashing (a letterboxed or padded
copy becomes its original again), and a bank can also store a few centre crops of each image
(a lightly cropped copy then lands near one of them). Stored names: never rename.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

RGB = npt.NDArray[np.uint8]

TRIMMED = "trimmed"
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


def _uniform_lines(grey: npt.NDArray[np.float32], reference: float,
                   tolerance: float = _TOLERANCE) -> int:
    """How many lines (rows of `grey`, from the first) stay close to `reference`."""
    close = (np.abs(grey - reference) <= tolerance).mean(axis=1) >= _SHARE
    limit = int(len(close) * _MAX_TRIM)
    run = int(np.argmin(close[:limit])) if limit and not close[:limit].all() else limit
    return run


def _edge_is_uniform(line: npt.NDArray[np.uint8]) -> bool:
    grey = line.astype(np.float32).mean(axis=1)
    return bool((np.abs(grey - np.median(grey)) <= _TOLERANCE).mean() >= _SHARE)


def trim_borders(pixels: RGB) -> RGB | None:
    """The image without uniform borders (padding, letterboxing), or None if it has none."""
    height, width = pixels.shape[:2]
    if height < 16 or width < 16:
        return None
    edges = (pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1])
    if not any(_edge_is_uniform(edge) for edge in edges):
        return None  # most pictures: decided from four lines of pixels
    grey = pixels.astype(np.float32).mean(axis=2)
    sides = {"top": grey, "bottom": grey[::-1], "left": grey.T, "right": grey[:, ::-1].T}
    trims = {}
    for name, lines in sides.items():
        reference = float(np.median(lines[0]))
        strict = _uniform_lines(lines, reference)
        is_border = strict / len(lines) >= _MIN_TRIM
        trims[name] = _uniform_lines(lines, reference, _EDGE_TOLERANCE) if is_border else strict
    top, bottom, left, right = trims["top"], trims["bottom"], trims["left"], trims["right"]
    if max(top / height, bottom / height, left / width, right / width) < _MIN_TRIM:
        return None
    if top + bottom >= height * 0.9 or left + right >= width * 0.9:
        return None  # nearly all border: a flat image, not a padded one
    return np.ascontiguousarray(pixels[top:height - bottom, left:width - right])


def centre_crop(pixels: RGB, keep: float) -> RGB:
    height, width = pixels.shape[:2]
    dy, dx = round(height * (1 - keep) / 2), round(width * (1 - keep) / 2)
    return np.ascontiguousarray(pixels[dy:height - dy, dx:width - dx])
