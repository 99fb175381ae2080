"""Content bytes -> signals: the one pipeline used on both the bank side and the query side."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from safeguarding.errors import UnsupportedMediaError
from safeguarding.hashing.base import Signal
from safeguarding.hashing.md5 import Md5Signal
from safeguarding.hashing.pdq import EXACT_DIHEDRAL_BELOW, pdq_dihedral, pdq_hash
from safeguarding.hashing.sha256 import Sha256Signal
from safeguarding.hashing.vpdq import VpdqFrame, VpdqSignal, format_frames
from safeguarding.media.image import decode_image
from safeguarding.media.limits import MediaLimits
from safeguarding.media.sniff import MediaKind, sniff
from safeguarding.media.video import iter_video_frames


@dataclass(frozen=True)
class ContentHashes:
    kind: MediaKind
    signals: list[Signal]
    #: the 8 dihedral PDQ hashes of an image (query side), in DIHEDRAL_VARIANTS order
    pdq_variants: tuple[str, ...] = field(default=())
    width: int = 0
    height: int = 0

    def get(self, signal_type: str) -> Signal | None:
        return next((s for s in self.signals if s.type == signal_type), None)

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "width": self.width,
            "height": self.height,
            "signals": [
                {"type": s.type, "value": s.value, "quality": s.quality} for s in self.signals
            ],
        }


def hash_bytes(
    data: bytes,
    limits: MediaLimits | None = None,
    *,
    source: str | None = None,
    dihedral: bool = False,
) -> ContentHashes:
    """Hash an image (PDQ, MD5, SHA-256) or a video (vPDQ, MD5, SHA-256)."""
    limits = limits or MediaLimits()
    kind = sniff(data[:64])
    digests = [Signal(Md5Signal.name, Md5Signal.of(data)), Signal(Sha256Signal.name,
                                                                 Sha256Signal.of(data))]
    if kind is MediaKind.VIDEO:
        return _hash_video(data, limits, source, digests)
    if kind is MediaKind.UNKNOWN and data:
        # Pillow knows a few formats we do not sniff; let it decide, and name both kinds.
        try:
            return _hash_image(data, limits, source, digests, dihedral)
        except UnsupportedMediaError:
            raise UnsupportedMediaError(
                "not a recognised image or video format", source=source
            ) from None
    return _hash_image(data, limits, source, digests, dihedral)


def hash_file(
    path: Path, limits: MediaLimits | None = None, *, dihedral: bool = False
) -> ContentHashes:
    limits = limits or MediaLimits()
    size = path.stat().st_size
    cap = max(limits.max_image_bytes, limits.max_video_bytes)
    if size > cap:
        from safeguarding.errors import MediaLimitError

        raise MediaLimitError("file bytes", size, cap, source=str(path))
    return hash_bytes(path.read_bytes(), limits, source=str(path), dihedral=dihedral)


def _hash_image(
    data: bytes, limits: MediaLimits, source: str | None, digests: list[Signal], dihedral: bool
) -> ContentHashes:
    image = decode_image(data, limits, source=source)
    if dihedral:
        small = max(image.original_size) < EXACT_DIHEDRAL_BELOW
        variants, quality = pdq_dihedral(image.pixels, exact=small)
        value = variants[0]
    else:
        variants = []
        value, quality = pdq_hash(image.pixels)
    signals = [Signal("pdq", value, quality), *digests]
    return ContentHashes(
        MediaKind.IMAGE, signals, tuple(variants), width=image.width, height=image.height
    )


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
