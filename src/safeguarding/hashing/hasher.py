"""Content bytes -> signals: the one pipeline used on both the bank side and the query side."""

from __future__ import annotations

import math
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path

from safeguarding.errors import MediaLimitError, UnsupportedMediaError
from safeguarding.hashing.base import Signal
from safeguarding.hashing.md5 import Md5Signal
from safeguarding.hashing.pdq import PdqSignal, pdq_dihedral, pdq_hash
from safeguarding.hashing.registry import get_signal_type
from safeguarding.hashing.sha256 import Sha256Signal
from safeguarding.hashing.views import CROPS, FRAME, RGB, TRIMMED, centre_crop, trim_borders
from safeguarding.hashing.vpdq import VpdqFrame, VpdqSignal, format_frames
from safeguarding.media.image import DecodedImage, decode_image, iter_frames, reduce_pixels
from safeguarding.media.limits import MediaLimits
from safeguarding.media.sniff import MediaKind, sniff
from safeguarding.media.video import iter_video_frames


@dataclass(frozen=True)
class ContentHashes:
    kind: MediaKind
    signals: list[Signal]
    width: int = 0
    height: int = 0

    def get(self, signal_type: str) -> Signal | None:
        """The signal of this type for the content as it is (not a derived view)."""
        return next((s for s in self.signals if s.type == signal_type and s.view is None), None)

    @property
    def pdq_variants(self) -> tuple[str, ...]:
        """The 8 rotation and flip hashes of the image, in DIHEDRAL_VARIANTS order."""
        signal = self.get(PdqSignal.name)
        return signal.rotations if signal else ()

    def primary(self) -> dict[str, str]:
        """Type -> value of the content as it is (no derived views): what a case records."""
        return {s.type: s.value for s in self.signals if s.view is None}

    def every_hash(self) -> list[dict[str, str | None]]:
        """Every hash computed of the content: each view (trimmed, crops), each of its
        rotations and flips where they were computed (named `rotate90`,
        `trimmed/rotate90`), and the digests. What a false positive puts on the
        do-not-match list, so that no view of the file matches again."""
        out: list[dict[str, str | None]] = []
        for s in self.signals:
            if not s.rotations:
                out.append({"type": s.type, "view": s.view, "value": s.value})
                continue
            out.extend(
                {"type": s.type, "view": name, "value": value}
                for name, value in get_signal_type(s.type).variants(s)
            )
        return out

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "width": self.width,
            "height": self.height,
            "signals": [
                {"type": s.type, "value": s.value, "quality": s.quality, "view": s.view}
                for s in self.signals
            ],
        }


def hash_bytes(
    data: bytes,
    limits: MediaLimits | None = None,
    *,
    source: str | None = None,
    dihedral: bool = False,
    crops: bool = False,
) -> ContentHashes:
    """Hash an image (PDQ, MD5, SHA-256) or a video (vPDQ, MD5, SHA-256).

    An image with uniform borders also gets the PDQ of its trimmed view. `dihedral` (the
    query side) adds each PDQ's 8 rotations and flips; `crops` (the bank side) adds PDQs of
    centre crops, so lightly cropped copies match."""
    limits = limits or MediaLimits()
    kind = sniff(data[:64])
    digests = [
        Signal(Md5Signal.name, Md5Signal.of(data)),
        Signal(Sha256Signal.name, Sha256Signal.of(data)),
    ]
    if kind is MediaKind.VIDEO:
        return _hash_video(data, limits, source, digests)
    if kind is MediaKind.UNKNOWN and data:
        # Pillow knows a few formats we do not sniff; let it decide, and name both kinds.
        try:
            return _hash_image(data, limits, source, digests, dihedral, crops)
        except UnsupportedMediaError:
            raise UnsupportedMediaError(
                "not a recognised image or video format", source=source
            ) from None
    return _hash_image(data, limits, source, digests, dihedral, crops)


def hash_file(
    path: Path,
    limits: MediaLimits | None = None,
    *,
    dihedral: bool = False,
    crops: bool = False,
) -> ContentHashes:
    """Hash a regular file. Devices, FIFOs and sockets are refused before a byte is read
    (`/dev/zero` never ends, a FIFO blocks until someone writes), and no more than the limit
    is read even if the file grows meanwhile."""
    limits = limits or MediaLimits()
    return hash_bytes(
        read_regular_file(path, max(limits.max_image_bytes, limits.max_video_bytes)),
        limits,
        source=str(path),
        dihedral=dihedral,
        crops=crops,
    )


def read_regular_file(path: Path, cap: int) -> bytes:
    """The bytes of a regular file of at most `cap` bytes, or a clear error."""
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)  # of what was opened, not of what the name meant a moment ago
        if not stat.S_ISREG(info.st_mode):
            raise UnsupportedMediaError(
                f"not a regular file ({_kind(info.st_mode)})", source=str(path)
            )
        if info.st_size > cap:
            raise MediaLimitError("file bytes", info.st_size, cap, source=str(path))
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(cap + 1)  # no more than the limit, even if the file grows
    if len(data) > cap:
        raise MediaLimitError("file bytes", len(data), cap, source=str(path))
    return data


def _kind(mode: int) -> str:
    kinds = [
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((name for test, name in kinds if test(mode)), "not a plain file")


def _hash_image(
    data: bytes,
    limits: MediaLimits,
    source: str | None,
    digests: list[Signal],
    dihedral: bool,
    crops: bool,
) -> ContentHashes:
    frames = iter_frames(data, limits, source=source, grey=limits.jpeg_luma)
    image = next(frames)

    def pdq(pixels: RGB, view: str | None) -> Signal:
        if dihedral:
            rotations, quality = pdq_dihedral(pixels)
            return Signal(PdqSignal.name, rotations[0], quality, view, tuple(rotations))
        value, quality = pdq_hash(pixels)
        return Signal(PdqSignal.name, value, quality, view)

    signals = [pdq(image.pixels, None)]
    base = image.pixels
    trimmed = _trimmed(data, image, limits, source)
    if trimmed is not None:
        signals.append(pdq(trimmed, TRIMMED))
        base = trimmed
    if crops:
        signals.extend(pdq(centre_crop(base, keep), name) for name, keep in CROPS.items())
    # Further frames or pages (animated_all_frames), one in memory at a time; a frame that
    # hashes like the one before it (a still stretch of an animation) adds nothing.
    previous = signals[0].value
    for frame in frames:
        signal = pdq(frame.pixels, f"{FRAME}{frame.frame}")
        if signal.value != previous:
            signals.append(signal)
        previous = signal.value
    return ContentHashes(
        MediaKind.IMAGE, [*signals, *digests], width=image.width, height=image.height
    )


def _trimmed(
    data: bytes, image: DecodedImage, limits: MediaLimits, source: str | None
) -> RGB | None:
    """The image without its uniform borders, at the scale the bank side hashes the
    unpadded picture: when the decoder reduced the padded image, the picture inside came out
    smaller than `image_max_side`, so it is decoded again larger and trimmed at that size."""
    trimmed = trim_borders(image.pixels)
    side = limits.image_max_side
    if trimmed is None or not side:
        return trimmed
    longer, longer_trimmed = max(image.pixels.shape[:2]), max(trimmed.shape[:2])
    if longer_trimmed >= side or max(image.original_size) <= longer:
        return trimmed  # already at full size, or nothing was reduced
    larger = decode_image(
        data,
        replace(limits, image_max_side=math.ceil(side * longer / longer_trimmed)),
        source=source,
        grey=limits.jpeg_luma,
    )
    again = trim_borders(larger.pixels)
    return trimmed if again is None else reduce_pixels(again, side)


def _hash_video(
    data: bytes, limits: MediaLimits, source: str | None, digests: list[Signal]
) -> ContentHashes:
    frames: list[VpdqFrame] = []
    width = height = 0
    for frame in iter_video_frames(data, limits, source=source):
        value, quality = pdq_hash(frame.pixels)
        frames.append(VpdqFrame(frame.index, quality, value, frame.timestamp))
        height, width = int(frame.pixels.shape[0]), int(frame.pixels.shape[1])
    signals = [Signal(VpdqSignal.name, format_frames(frames)), *digests]
    return ContentHashes(MediaKind.VIDEO, signals, width=width, height=height)
