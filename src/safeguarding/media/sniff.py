"""Tell images from videos by their first bytes, never by the file name an uploader chose."""

from __future__ import annotations

from enum import StrEnum


class MediaKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    UNKNOWN = "unknown"


_IMAGE_MAGIC: tuple[bytes, ...] = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"II*\x00",  # TIFF little-endian
    b"MM\x00*",  # TIFF big-endian
)
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif"}
_VIDEO_MAGIC: tuple[bytes, ...] = (
    b"\x1a\x45\xdf\xa3",  # Matroska / WebM (EBML)
)


def sniff(head: bytes) -> MediaKind:
    """Classify content from its first 32 bytes or so."""
    if head.startswith(_IMAGE_MAGIC):
        return MediaKind.IMAGE
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return MediaKind.IMAGE
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return MediaKind.VIDEO
    if head[4:8] == b"ftyp":
        # ISO base media: HEIC/AVIF stills are images, everything else (mp4, mov, m4v) video.
        return MediaKind.IMAGE if head[8:12] in _HEIF_BRANDS else MediaKind.VIDEO
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip"):
        return MediaKind.VIDEO  # QuickTime without an ftyp box
    if head.startswith(_VIDEO_MAGIC):
        return MediaKind.VIDEO
    return MediaKind.UNKNOWN
