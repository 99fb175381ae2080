"""PDQ hashing benchmark: ours (reduced to 512 px, and at full resolution) against
python-threatexchange's PdqSignal, one core, on the shared photos at least 1000 px wide;
and how far the reduced path's hashes are from full-resolution pdqhash hashes.

    python bench/bench_hashing.py [--photos ../shared/data/photos]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import describe
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=Path, default=ROOT.parent / "shared/data/photos")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sides", type=int, nargs="+", default=[1024, 768, 512],
                        help="pdq_max_side values to time besides full resolution")
    args = parser.parse_args()
    from threatexchange.signal_type.pdq.signal import PdqSignal

    files = []
    for path in sorted(args.photos.glob("*.jpg")):
        with Image.open(path) as image:
            if max(image.size) >= 1000:
                files.append(path)
    print(describe(["safeguarding", "pillow", "numba", "pdqhash", "threatexchange"]))
    print(f"{len(files)} JPEGs with a side of at least 1000 px from {args.photos}; one core\n")
    default, full = MediaLimits(), MediaLimits(image_max_side=0)
    rows: list[tuple[str, Callable[[Path], object]]] = [
        ("python-threatexchange PdqSignal.hash_from_file (PDQ)",
         lambda p: PdqSignal.hash_from_file(p)),
        ("ours, full resolution (PDQ)", lambda p: pdq_hash(decode_image(p.read_bytes(), full
                                                                        ).pixels)),
    ]
    def reduced(limits: MediaLimits) -> Callable[[Path], object]:
        return lambda p: pdq_hash(decode_image(p.read_bytes(), limits).pixels)

    for side in args.sides:
        rows.append((f"ours, reduced to {side} px (PDQ)"
                     + (" - the default" if side == default.image_max_side else ""),
                     reduced(MediaLimits(image_max_side=side))))
    rows.append((f"ours, default ({default.image_max_side} px), PDQ + 8 rotations/flips + "
                 "MD5 + SHA-256 (query side)", lambda p: hash_file(p, default, dihedral=True)))
    print("| pipeline | images/s | vs python-threatexchange |")
    print("|---|---:|---:|")
    baseline = 0.0
    for name, work in rows:
        speed = rate(files, work, 1 if "threatexchange" in name else args.repeat)
        baseline = baseline or speed
        print(f"| {name} | {speed:,.0f} | {speed / baseline:.1f}x |")

    print()
    everything = files + sorted(p for p in args.photos.glob("*.jpg") if p not in files)
    references = {p: hash_file(p, full).get("pdq") for p in everything}
    for side in args.sides:
        distances = []
        for path, reference in references.items():
            smaller = hash_file(path, MediaLimits(image_max_side=side)).get("pdq")
            assert reference is not None and smaller is not None
            if (reference.quality or 0) >= 50:
                distances.append(hamming(reference.value, smaller.value))
        ordered = sorted(distances)
        print(f"reduced to {side} px vs full-resolution PDQ, {len(distances)} photos of "
              f"quality >= 50: median {statistics.median(distances):g} bits, mean "
              f"{np.mean(distances):.1f}, 90th percentile {ordered[int(len(ordered) * 0.9)]}, "
              f"max {ordered[-1]}")


if __name__ == "__main__":
    main()
