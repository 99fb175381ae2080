"""PDQ hashing benchmark on the shared photos at least 1000 px wide: ours against
python-threatexchange's PdqSignal and the pdqhash package, one core (and all cores through
`hash_many`, as `safeguarding hash` runs); and how far our default pipeline's hashes are
from pdqhash's on the full-resolution colour pixels.

    python bench/bench_hashing.py [--photos ../shared/data/photos]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import describe
from safeguarding.cli.files import hash_many
from safeguarding.hashing import hash_file
from safeguarding.hashing.pdq import hamming, pdq_hash
from safeguarding.media import MediaLimits
from safeguarding.media.image import decode_image

ROOT = Path(__file__).resolve().parent.parent


def rate(files: list[Path], work: Callable[[Path], object], repeat: int) -> float:
    work(files[0])  # warm caches and compiled code
    start = time.perf_counter()
    for _ in range(repeat):
        for path in files:
            work(path)
    return repeat * len(files) / (time.perf_counter() - start)


def pdqhash_hex(pixels: np.ndarray) -> str:
    import pdqhash

    vector, _ = pdqhash.compute(np.ascontiguousarray(pixels))
    return bytes(np.packbits(vector.astype(np.uint8))).hex()


def pdqhash_from_file(path: Path) -> str:
    with Image.open(path) as image:
        return pdqhash_hex(np.asarray(image.convert("RGB")))


def drift(name: str, pairs: list[tuple[int, int]]) -> str:
    """pairs: (quality, distance to pdqhash on the colour pixels)."""
    distances = sorted(d for q, d in pairs if q >= 50)
    return (
        f"- {name} vs pdqhash at full resolution, {len(distances)} photos of quality >= "
        f"50: median {statistics.median(distances):g} bits, mean {np.mean(distances):.1f}, "
        f"90th percentile {distances[int(len(distances) * 0.9)]}, max {distances[-1]}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--photos", type=Path, default=ROOT.parent / "shared/data/photos")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--sides",
        type=int,
        nargs="*",
        default=[512],
        help="pdq_max_side values to time besides the default",
    )
    args = parser.parse_args()
    from threatexchange.signal_type.pdq.signal import PdqSignal

    files = []
    for path in sorted(args.photos.glob("*.jpg")):
        with Image.open(path) as image:
            if max(image.size) >= 1000:
                files.append(path)
    cores = os.cpu_count() or 1
    print(describe(["safeguarding", "pillow", "numba", "pdqhash", "threatexchange"]))
    print(f"{len(files)} JPEGs with a side of at least 1000 px from {args.photos}\n")
    default = MediaLimits()
    colour = MediaLimits(image_max_side=0, jpeg_luma=False)

    def pdq_only(limits: MediaLimits) -> Callable[[Path], object]:
        return lambda p: pdq_hash(
            decode_image(p.read_bytes(), limits, grey=limits.jpeg_luma).pixels
        )

    rows: list[tuple[str, Callable[[Path], object]]] = [
        (
            "python-threatexchange PdqSignal.hash_from_file (PDQ)",
            lambda p: PdqSignal.hash_from_file(p),
        ),
        ("pdqhash.compute on Pillow's colour decode (PDQ)", pdqhash_from_file),
        ("ours, colour decode, full resolution: pdqhash's bits (PDQ)", pdq_only(colour)),
        ("ours, default: luma plane, up to 2048 px (PDQ)", pdq_only(default)),
    ]
    for side in args.sides:
        rows.append(
            (
                f"ours, luma plane reduced to {side} px (PDQ)",
                pdq_only(MediaLimits(image_max_side=side)),
            )
        )
    rows += [
        (
            "ours, default, bank side: PDQ + border trim + 2 crops + MD5 + SHA-256",
            lambda p: hash_file(p, default, crops=True),
        ),
        (
            "ours, default, query side: PDQ + border trim + 8 rotations/flips + MD5 + SHA-256",
            lambda p: hash_file(p, default, dihedral=True),
        ),
    ]
    print("| pipeline | cores | images/s | vs python-threatexchange |")
    print("|---|---:|---:|---:|")
    baseline = 0.0
    for name, work in rows:
        speed = rate(files, work, 1 if "threatexchange" in name else args.repeat)
        baseline = baseline or speed
        print(f"| {name} | 1 | {speed:,.0f} | {speed / baseline:.1f}x |", flush=True)
    many = files * args.repeat
    list(hash_many(files[:8], default, cores))  # start and warm the workers once
    start = time.perf_counter()
    done = sum(1 for _, hashes, _ in hash_many(many, default, cores) if hashes is not None)
    speed = done / (time.perf_counter() - start)
    print(
        f"| ours, query side, `safeguarding hash` over a folder (hash_many) | {cores} | "
        f"{speed:,.0f} | {speed / baseline:.1f}x |"
    )

    print()
    everything = sorted(args.photos.glob("*.jpg"))
    references: dict[Path, str] = {p: pdqhash_from_file(p) for p in everything}
    setups = [("ours, default (luma plane)", default), ("ours, colour decode", colour)]
    setups += [
        (f"ours, reduced to {side} px", MediaLimits(image_max_side=side)) for side in args.sides
    ]
    for name, limits in setups:
        pairs = []
        for path, reference in references.items():
            signal = hash_file(path, limits).get("pdq")
            assert signal is not None
            pairs.append((signal.quality or 0, hamming(reference, signal.value)))
        print(drift(name, pairs))


if __name__ == "__main__":
    main()
