"""Benign generated images in the shapes hostile files take: large declared sizes that
compress to nothing, animations whose frames cover a pixel of a large canvas."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable


def chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC."""
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png(
    width: int,
    height: int,
    colour_type: int,
    depth: int,
    row: Callable[[int], bytes],
    *,
    palette: bytes | None = None,
    level: int = 6,
) -> bytes:
    """A PNG written row by row (filter 0), so a large one never exists as pixels here
    (also bench/hostile_files.py's 10000x10000 files, at level 9)."""
    packer = zlib.compressobj(level)
    idat = bytearray()
    for y in range(height):
        idat += packer.compress(b"\x00" + row(y))
    idat += packer.flush()
    header = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + (chunk(b"PLTE", palette) if palette is not None else b"")
        + chunk(b"IDAT", bytes(idat))
        + chunk(b"IEND", b"")
    )


def gif(screen: tuple[int, int], frames: list[tuple[int, int, int, int]]) -> bytes:
    """An animated GIF on a `screen` canvas; each frame (x, y, width, height) is one black
    pixel's worth of LZW data (clear, index 0, end): Pillow decodes it onto the canvas."""
    out = bytearray(
        b"GIF89a" + struct.pack("<HHBBB", *screen, 0x80, 0, 0) + bytes([0, 0, 0, 255, 255, 255])
    )
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    for x, y, width, height in frames:
        out += b"\x21\xf9\x04\x04\x02\x00\x00\x00"
        out += b"\x2c" + struct.pack("<HHHHB", x, y, width, height, 0) + b"\x02\x02\x44\x01\x00"
    return bytes(out + b"\x3b")
