"""Hostile input. Media: peak resident memory of the whole process while hashing each file
of the hostile set (`hostile_files.py`) with the default limits, each file in a fresh
process. Sign-in flood: API write latency while clients flood the sign-in form
(`login_flood.py`).

    python bench/bench_hostile.py [--part media|login|all] [--folder /tmp/sg-hostile]
                                  [--seconds 20] [--src OTHER/src]

`--src` runs the measured processes (hashing, the server) on another checkout's package
(the commit before a change, for a before/after table). A hashing process is killed when
it passes `--cap-gb` of resident memory, and reported as such.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import describe, rss_bytes
from hostile_files import build
from login_flood import SCENARIOS
from login_flood import run as flood_run

GB = 2**30


def child(path: Path, all_frames: bool) -> None:
    """Runs in the measured process: warm up, then hash `path` once."""
    import numpy as np
    from PIL import Image

    from safeguarding.errors import SafeguardingError
    from safeguarding.hashing import hasher
    from safeguarding.media.limits import MediaLimits

    warm = Path(os.environ.get("TMPDIR", "/tmp")) / f"sg-warm-{os.getpid()}.png"
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(warm)
    hasher.hash_file(warm)  # imports and compiled kernels, as a running service has them
    warm.unlink()
    baseline = rss_bytes()
    start = time.perf_counter()
    try:
        hashes = hasher.hash_file(path, MediaLimits(animated_all_frames=all_frames))
        outcome = f"hashed ({len(hashes.signals)} signals)"
    except SafeguardingError as exc:
        outcome = f"{type(exc).__name__}: {str(exc).split(': ', 1)[-1][:70]}"
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"baseline": baseline, "peak": peak, "seconds": seconds, "outcome": outcome}))


Result = dict[str, float | str]


def measure(path: Path, all_frames: bool, src: str | None, cap: float, timeout: float) -> Result:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src
    command = [sys.executable, __file__, "--child", str(path)]
    if all_frames:
        command.append("--all-frames")
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True
    )
    start, high = time.monotonic(), 0
    while process.poll() is None:
        high = max(high, _rss(process.pid))
        if high > cap * GB or time.monotonic() - start > timeout:
            process.kill()
            process.wait()
            reason = (
                f"killed above {cap:g} GB" if high > cap * GB else f"killed after {timeout:g} s"
            )
            return {
                "peak": high,
                "baseline": 0,
                "seconds": time.monotonic() - start,
                "outcome": reason,
            }
        time.sleep(0.02)
    out, err = process.communicate()
    if process.returncode != 0:
        return {
            "peak": high,
            "baseline": 0,
            "seconds": 0,
            "outcome": f"crashed: {err.strip().splitlines()[-1][:70] if err else '?'}",
        }
    result: Result = json.loads(out.strip().splitlines()[-1])
    return result


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def media(folder: Path, src: str | None, cap: float, timeout: float) -> None:
    print("| file | frames | outcome | seconds | baseline MB | peak MB |")
    print("|---|---|---|---:|---:|---:|")
    for item, path in build(folder):
        size = path.stat().st_size
        for all_frames in (False, True) if item.all_frames else (False,):
            r = measure(path, all_frames, src, cap, timeout)
            print(
                f"| {item.what} ({size / 1024:,.0f} KB) | "
                f"{'all' if all_frames else 'first'} | {r['outcome']} | "
                f"{float(r['seconds']):.1f} | {float(r['baseline']) / 2**20:,.0f} | "
                f"{float(r['peak']) / 2**20:,.0f} |",
                flush=True,
            )


def login(src: str | None, seconds: float) -> None:
    print(
        f"API writes (one bank entry each, one client, {seconds:g} s) while clients post "
        "wrong passwords to /login"
    )
    print(
        "| flood | writes/s | p50 ms | p99 ms | max ms | sign-in attempts/s | refused | "
        "busy | load before |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for flood in SCENARIOS:
        load = os.getloadavg()[0]  # the machine is shared: how busy it was already
        r = flood_run(flood, src, seconds)
        print(
            f"| {flood.name} | {r['writes_per_s']:.0f} | {r['p50']:.1f} | "
            f"{r['p99']:.1f} | {r['max']:.0f} | {r['attempts_per_s']:.0f} | "
            f"{r['refused']:.0%} | {r['busy']:.0%} | {load:.1f} |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--part", choices=["media", "login", "all"], default="all")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/sg-hostile"))
    parser.add_argument("--src", help="PYTHONPATH for the measured processes")
    parser.add_argument("--cap-gb", type=float, default=4.0)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--all-frames", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.all_frames)
        return
    print(describe(["safeguarding", "numpy", "pillow", "pillow-heif", "av"]))
    print(f"package: {args.src or 'this checkout'}")
    if args.part in ("media", "all"):
        print("default limits; one process per file")
        media(args.folder, args.src, args.cap_gb, args.timeout)
    if args.part in ("login", "all"):
        login(args.src, args.seconds)


if __name__ == "__main__":
    main()
