"""Robustness benchmark: recall at PDQ distance <= 31 per transform, and false matches among
unrelated photos, for plain PDQ (as HMA matches) and for ours (trimmed borders, centre-crop
hashes in the bank, all 8 rotations and flips): the default, colour decode at full
resolution, and 512 px.

    python bench/bench_robustness.py [--photos ../shared/data/photos]

The bank holds one tile of each source wallpaper (the first of PDQ quality >= 50). Recall:
transformed copies of those tiles. False matches: every other tile, matched against the
bank, counts when it matches the tile of a *different* wallpaper (tiles of one wallpaper
are different crops of one picture, so they are reported apart).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageEnhance, ImageFilter, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import describe
from safeguarding.hashing import ContentHashes, hash_bytes
from safeguarding.matching.pdq_index import PdqIndex
from safeguarding.media import MediaLimits

ROOT = Path(__file__).resolve().parent.parent
THRESHOLD = 31
Transform = Callable[[Image.Image], Image.Image]


def _crop(share: float) -> Transform:
    def crop(image: Image.Image) -> Image.Image:
        dx, dy = round(image.width * share / 2), round(image.height * share / 2)
        return image.crop((dx, dy, image.width - dx, image.height - dy))

    return crop


def _pad(share: float) -> Transform:
    def pad(image: Image.Image) -> Image.Image:
        return ImageOps.expand(
            image,
            border=(round(image.width * share / 2), round(image.height * share / 2)),
            fill="black",
        )

    return pad


TRANSFORMS: dict[str, Transform] = {
    "JPEG q30": lambda im: im,  # every copy is saved as JPEG; this one at quality 30
    "resize 25%": lambda im: im.resize((im.width // 4, im.height // 4)),
    "resize 50%": lambda im: im.resize((im.width // 2, im.height // 2)),
    "blur (radius 2)": lambda im: im.filter(ImageFilter.GaussianBlur(2)),
    "brightness +30%": lambda im: ImageEnhance.Brightness(im).enhance(1.3),
    "greyscale": lambda im: ImageOps.grayscale(im).convert("RGB"),
    "mirror": ImageOps.mirror,
    "rotate 90": lambda im: im.rotate(90, expand=True),
    "pad 20%": _pad(0.20),
    "crop 5% (2.5% a side)": _crop(0.05),
    "crop 10% (5% a side)": _crop(0.10),
    "rotate 3 degrees": lambda im: im.rotate(3, resample=Image.Resampling.BILINEAR),
}


def jpeg(image: Image.Image, quality: int = 85) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


class Setup:
    def __init__(self, name: str, limits: MediaLimits, plain: bool) -> None:
        self.name, self.limits, self.plain = name, limits, plain
        self.index = PdqIndex()
        self.owner: dict[int, str] = {}

    def bank(self, photos: list[tuple[str, bytes]]) -> None:
        items = []
        for name, data in photos:
            hashes = hash_bytes(data, self.limits, crops=not self.plain)
            for signal in self.pdq(hashes, bank=True):
                entry = len(self.owner) + 1
                self.owner[entry] = name
                items.append((entry, signal))
        self.index.add(items)

    def pdq(self, hashes: ContentHashes, bank: bool = False) -> list[str]:
        signals = [s for s in hashes.signals if s.type == "pdq"]
        if self.plain:
            return [s.value for s in signals if s.view is None]
        if bank:
            return [s.value for s in signals]
        return [value for s in signals for value in (s.rotations or (s.value,))]

    def matches(self, data: bytes) -> set[str]:
        hashes = hash_bytes(data, self.limits, dihedral=not self.plain)
        return {
            self.owner[hit.id]
            for hits in self.index.query_many(self.pdq(hashes), THRESHOLD)
            for hit in hits
        }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--photos", type=Path, default=ROOT.parent / "shared/data/photos")
    parser.add_argument(
        "--sides",
        type=int,
        nargs="*",
        default=[512],
        help="pdq_max_side values to compare besides the default",
    )
    args = parser.parse_args()
    manifest = json.loads((args.photos / "MANIFEST.json").read_text())
    by_source: dict[str, list[str]] = {}
    for name in sorted(manifest):
        by_source.setdefault(manifest[name]["source_package_path"], []).append(name)
    full = MediaLimits(image_max_side=0, jpeg_luma=False)  # as pdqhash's callers decode
    source_of = {name: manifest[name]["source_package_path"] for name in manifest}
    banked: list[tuple[str, bytes]] = []
    others: list[tuple[str, bytes]] = []
    for tiles in by_source.values():
        good = [
            t
            for t in tiles
            if (hash_bytes((args.photos / t).read_bytes(), full).get("pdq").quality or 0)  # type: ignore[union-attr]
            >= 50
        ]
        if good:
            banked.append((good[0], (args.photos / good[0]).read_bytes()))
        others.extend((t, (args.photos / t).read_bytes()) for t in tiles if t not in good[:1])
    setups = [Setup("plain PDQ, full resolution (HMA)", full, plain=True)]
    setups += [
        Setup("ours, default (luma plane)", MediaLimits(), plain=False),
        Setup("ours, colour, full resolution", full, plain=False),
    ]
    setups += [
        Setup(f"ours, {side} px", MediaLimits(image_max_side=side), plain=False)
        for side in args.sides
    ]
    for setup in setups:
        setup.bank(banked)

    print(describe(["safeguarding", "pillow", "numba"]))
    print(
        f"bank: {len(banked)} photos (one tile per wallpaper, PDQ quality >= 50); "
        f"{len(others)} other tiles queried for false matches; threshold {THRESHOLD}\n"
    )
    print("| transform | " + " | ".join(s.name for s in setups) + " |")
    print("|---|" + "---:|" * len(setups))
    for label, transform in TRANSFORMS.items():
        cells = []
        for setup in setups:
            found = 0
            for name, data in banked:
                with Image.open(io.BytesIO(data)) as opened:
                    copy = transform(opened.convert("RGB"))
                found += name in setup.matches(jpeg(copy, 30 if label == "JPEG q30" else 85))
            cells.append(f"{100 * found / len(banked):.0f}%")
        print(f"| {label} | " + " | ".join(cells) + " |")
    false, same = [], []
    for setup in setups:
        answers = [(name, setup.matches(data)) for name, data in others]
        false.append(
            sum(any(source_of[m] != source_of[name] for m in hit) for name, hit in answers)
        )
        same.append(sum(any(source_of[m] == source_of[name] for m in hit) for name, hit in answers))
    print(
        f"| false matches: other tiles matching a different wallpaper (of {len(others)}) | "
        + " | ".join(str(n) for n in false)
        + " |"
    )
    print(
        f"| other tiles matching their own wallpaper's banked tile (of {len(others)}) | "
        + " | ".join(str(n) for n in same)
        + " |"
    )
    print(
        "| PDQ entries in the index | "
        + " | ".join(f"{len(s.index)} ({len(s.index) / len(banked):.1f} per photo)" for s in setups)
        + " |"
    )


if __name__ == "__main__":
    main()
