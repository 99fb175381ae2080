"""The hostile media set for `bench_hostile.py`: small files that decode to a lot, generated
(benign: gradients, flat colours, one-pixel animation frames), written once to a folder.

Each file is the worst shape of one container the default limits accept (or are meant to
refuse cheaply), as issue 11 found them: a 10000x10000 16-bit PNG in 194 KB, a GIF whose
thousands of one-pixel frames each decode to the whole canvas, a multi-page TIFF whose
later pages are far larger than the first, a JPEG declaring a huge size, a long video of
tiny frames.
"""

from __future__ import annotations

import io
import struct
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/: the PNG writer
from tests.media.generate import png

SIDE = 10_000  # 100 million pixels: the default max_image_pixels


@dataclass(frozen=True)
class Hostile:
    name: str
    what: str
    build: Callable[[Path], None]
    #: also hash it with animated_all_frames (every frame or page)
    all_frames: bool = False


def _png(
    path: Path,
    width: int,
    height: int,
    colour_type: int,
    depth: int,
    row: Callable[[int], bytes],
    palette: bytes | None = None,
) -> None:
    path.write_bytes(png(width, height, colour_type, depth, row, palette=palette, level=9))


def png16_grey(path: Path) -> None:
    _png(path, SIDE, SIDE, 0, 16, lambda y: np.full(SIDE, y * 6, dtype=">u2").tobytes())


def png48_rgb16(path: Path) -> None:
    _png(path, SIDE, SIDE, 2, 16, lambda y: np.full(SIDE * 3, y * 6, dtype=">u2").tobytes())


def png_rgba(path: Path) -> None:
    _png(path, SIDE, SIDE, 6, 8, lambda y: bytes([y % 256, 90, 160, 200]) * SIDE)


def png_palette(path: Path) -> None:
    _png(
        path,
        SIDE,
        SIDE,
        3,
        8,
        lambda y: bytes([y % 256]) * SIDE,
        palette=bytes(range(256)) * 3,
    )


def _gradient(width: int, height: int, mode: str = "RGB") -> Image.Image:
    row = np.linspace(0, 255, width, dtype=np.float32)
    grey = Image.fromarray(np.broadcast_to(row, (height, width)).astype(np.uint8))
    return grey if mode == "L" else grey.convert(mode)


def webp_large(path: Path, side: int = SIDE) -> None:
    _gradient(side, side).save(path, "WEBP", quality=10, method=0)


def webp_at_limit(path: Path) -> None:
    webp_large(path, 5000)  # 25 million pixels: a quarter of max_image_pixels


def heif_at_limit(path: Path) -> None:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    _gradient(7000, 7000).save(path, "HEIF", quality=10)  # 49 million: under half


def avif_at_limit(path: Path) -> None:
    _gradient(6300, 6300).save(path, "AVIF", quality=10, speed=10)  # 39.7 million: 2/5


def jpeg_large(path: Path) -> None:
    _gradient(SIDE, SIDE).save(path, "JPEG", quality=50, progressive=True)


def tiff_float(path: Path) -> None:
    _gradient(SIDE, SIDE, "L").convert("F").save(path, "TIFF", compression="tiff_adobe_deflate")


def tiff_cmyk(path: Path) -> None:
    _gradient(SIDE, SIDE, "CMYK").save(path, "TIFF", compression="tiff_adobe_deflate")


def tiff_pages(path: Path) -> None:
    """A 64x64 first page, then three 10000x10000 pages."""
    big = _gradient(SIDE, SIDE, "L")
    _gradient(64, 64, "L").save(
        path, "TIFF", save_all=True, append_images=[big] * 3, compression="tiff_adobe_deflate"
    )


def gif_canvas_bomb(path: Path, side: int = 4000, frames: int = 20_000) -> None:
    """`frames` one-pixel frames on a side x side canvas: ~20 bytes each in the file, the
    whole canvas each once decoded."""
    out = bytearray(
        b"GIF89a" + struct.pack("<HHBBB", side, side, 0x80, 0, 0) + bytes([0, 0, 0, 255, 255, 255])
    )
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    for i in range(frames):
        out += b"\x21\xf9\x04\x04\x02\x00\x00\x00"  # graphic control: 20 ms
        # one pixel at (i mod side, i div side); LZW: clear, index 0, end
        out += b"\x2c" + struct.pack("<HHHHB", i % side, i // side % side, 1, 1, 0)
        out += b"\x02\x02\x44\x01\x00"
    path.write_bytes(bytes(out + b"\x3b"))


def jpeg_declared_huge(path: Path) -> None:
    buffer = io.BytesIO()
    _gradient(64, 48).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 60_000, 60_000)
    path.write_bytes(bytes(data))


def bmp_rle(path: Path) -> None:
    """8-bit run-length BMP: 80 bytes a row in the file, 10000 pixels decoded."""
    rows = bytearray()
    for _ in range(SIDE):
        for start in range(0, SIDE, 250):
            rows += bytes([min(250, SIDE - start), start // 250 % 256])
        rows += b"\x00\x00"
    rows += b"\x00\x01"
    palette = b"".join(bytes([i, i, i, 0]) for i in range(256))
    info = struct.pack("<IiiHHIIiiII", 40, SIDE, SIDE, 1, 8, 1, len(rows), 2835, 2835, 256, 0)
    offset = 14 + len(info) + len(palette)
    header = b"BM" + struct.pack("<IHHI", offset + len(rows), 0, 0, offset)
    path.write_bytes(header + info + palette + bytes(rows))


def video_long(path: Path, fps: int = 100, seconds: int = 2880) -> None:
    """288,000 frames of 16x16 (48 minutes at 100 fps): within max_video_seconds."""
    import av

    with av.open(str(path), mode="w", format="matroska") as out:
        stream = out.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 16, 16, "yuv420p"
        stream.time_base = Fraction(1, fps)
        stream.options = {"g": "1000"}
        shades = [
            av.VideoFrame.from_ndarray(np.full((16, 16, 3), v, dtype=np.uint8), format="rgb24")
            for v in range(0, 256, 16)
        ]
        for i in range(fps * seconds):
            frame = shades[(i // fps) % len(shades)]
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


HOSTILE = [
    Hostile("png16-grey.png", "16-bit grey PNG, 10000x10000", png16_grey),
    Hostile("png48-rgb16.png", "16-bit RGB PNG, 10000x10000", png48_rgb16),
    Hostile("png-rgba.png", "RGBA PNG, 10000x10000", png_rgba),
    Hostile("png-palette.png", "palette PNG, 10000x10000", png_palette),
    Hostile("webp-large.webp", "WebP, 10000x10000", webp_large),
    Hostile("webp-at-limit.webp", "WebP, 5000x5000", webp_at_limit),
    Hostile("heif-at-limit.heic", "HEIF, 7000x7000", heif_at_limit),
    Hostile("avif-at-limit.avif", "AVIF, 6300x6300", avif_at_limit),
    Hostile("jpeg-large.jpg", "progressive JPEG, 10000x10000", jpeg_large),
    Hostile("tiff-float.tif", "32-bit float TIFF, 10000x10000", tiff_float),
    Hostile("tiff-cmyk.tif", "CMYK TIFF, 10000x10000", tiff_cmyk),
    Hostile("bmp-rle.bmp", "run-length BMP, 10000x10000", bmp_rle),
    Hostile("jpeg-declared-huge.jpg", "JPEG declaring 60000x60000", jpeg_declared_huge),
    Hostile(
        "tiff-pages.tif",
        "TIFF: 64x64 page, then 3 pages of 10000x10000",
        tiff_pages,
        all_frames=True,
    ),
    Hostile(
        "gif-canvas-bomb.gif",
        "GIF: 20,000 one-pixel frames on a 4000x4000 canvas",
        gif_canvas_bomb,
        all_frames=True,
    ),
    Hostile("video-long.mkv", "video: 288,000 frames of 16x16 at 100 fps", video_long),
]


def build(folder: Path) -> Iterator[tuple[Hostile, Path]]:
    """Each hostile file, built on first use."""
    folder.mkdir(parents=True, exist_ok=True)
    for item in HOSTILE:
        path = folder / item.name
        if not path.exists():
            partial = path.with_suffix(path.suffix + ".partial")
            item.build(partial)
            partial.rename(path)
        yield item, path
