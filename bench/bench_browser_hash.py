"""Hashing in the browser: speed in Debian's Chromium (headless, through Playwright) on the
shared photos of at least 1000 px, as the self-report portal hashes them (PDQ with the bank
views, MD5, SHA-256, in the Web Worker), and how far its hashes are from the server's
pipeline (`bank add`) on every shared photo, Meta's reference images and the sample videos.
Speed is printed per second of wall time and per CPU second the browser spent, since the
machine is shared and the wall rate follows its load.

    python bench/bench_browser_hash.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/: the page harness
from PIL import Image
from tests.conftest import PDQ_DATA, PHOTOS, VIDEOS
from tests.web.conftest import CHROMIUM, chromium
from tests.web.hashing_harness import HashingPage, hashing_page

from common import describe
from safeguarding.hashing import hash_bytes
from safeguarding.hashing.pdq import PdqPolicy, hamming
from safeguarding.hashing.vpdq import VpdqSignal, parse_frames

# Fetch every file first, then time only the hashing: all files handed to the Hasher at
# once, as the portal hands it the photos a person chooses.
_PREPARE = """async ({urls, workers}) => {
  const { Hasher } = await import("/static/hashing/index.js");
  const files = [];
  for (const url of urls) files.push(new File([await (await fetch(url)).blob()], url));
  const hasher = new Hasher({ workers });
  await Promise.all(files.slice(0, workers).map((f) => hasher.hashFile(f)));  // warm up
  window.bench = { files, hasher };
}"""
_TIMED = """async (repeat) => {
  const { files, hasher } = window.bench;
  const start = performance.now();
  for (let r = 0; r < repeat; r++) await Promise.all(files.map((f) => hasher.hashFile(f)));
  const seconds = (performance.now() - start) / 1000;
  hasher.close();
  delete window.bench;
  return seconds;
}"""
_TICKS = os.sysconf("SC_CLK_TCK")


def descendants_cpu_seconds() -> float:
    """CPU time (user + system) of every process started under this one: Playwright's driver
    and Chromium's browser, renderer and utility processes (workers run in the renderer)."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        parents[int(entry.name)] = int(fields[1])
        ticks[int(entry.name)] = int(fields[11]) + int(fields[12])
    ours, total = {os.getpid()}, 0
    grown = True
    while grown:
        grown = False
        for pid, parent in parents.items():
            if parent in ours and pid not in ours:
                ours.add(pid)
                total += ticks[pid]
                grown = True
    return total / _TICKS


def speed(hp: HashingPage, files: list[Path], repeat: int, workers: int) -> tuple[float, float]:
    """Photos per second of wall time, and per second of CPU time spent by the browser (what
    one idle core would give; on a loaded machine the wall rate says more about the load)."""
    hp.call(_PREPARE, {"urls": [hp.url_of(p) for p in files], "workers": workers})
    cpu = descendants_cpu_seconds()
    seconds = float(hp.call(_TIMED, repeat))
    cpu = descendants_cpu_seconds() - cpu
    photos = repeat * len(files)
    return photos / seconds, photos / cpu


def percentile(values: list[int], share: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def images(hp: HashingPage, name: str, files: list[Path], threshold_each: bool) -> None:
    answers = hp.hash_files(files)
    primary: list[int] = []
    views: list[int] = []
    exact = view_sets = 0
    over: list[str] = []
    for path, answer in zip(files, answers, strict=True):
        if "error" in answer:
            print(f"  {path.name}: {answer['error']['message']}")
            continue
        data = path.read_bytes()
        server = {s.view: s.value for s in hash_bytes(data, crops=True).signals if s.type == "pdq"}
        ours: dict[Any, str] = {v["view"]: v["hash"] for v in answer["result"]["pdq"]}
        view_sets += set(ours) == set(server)
        exact += ours == server
        distance = hamming(ours[None], server[None])
        primary.append(distance)
        views.extend(hamming(ours[v], server[v]) for v in ours if v in server)
        if distance > PdqPolicy.threshold:
            over.append(f"{path.name} ({distance})")
    print(
        f"- {name}: {len(primary)} images; the image as it is: median "
        f"{statistics.median(primary):g} bits, 95th percentile {percentile(primary, 0.95)}, "
        f"max {max(primary)}; every bank view: max {max(views)}; the same views "
        f"{view_sets}/{len(primary)}, every view bit for bit {exact}/{len(primary)}"
    )
    if threshold_each:
        print(
            f"  within the match threshold ({PdqPolicy.threshold}): "
            f"{len(primary) - len(over)}/{len(primary)}" + (f"; over: {over}" if over else "")
        )


def videos(hp: HashingPage) -> None:
    files = sorted(VIDEOS.glob("*.mp4"))
    answers = hp.hash_files(files)
    print(
        f"- vPDQ of the {len(files)} sample videos (H.264 MP4, decoded by WebCodecs), "
        f"against the server's (PyAV) at the default thresholds:"
    )
    for path, answer in zip(files, answers, strict=True):
        if "error" in answer or "vpdq" not in answer["result"]:
            print(f"  {path.name}: {answer.get('error') or answer['result'].get('notice')}")
            continue
        ours, theirs = answer["result"]["vpdq"], hash_bytes(path.read_bytes()).primary()["vpdq"]
        same_frames = [(f.number, f.timestamp) for f in parse_frames(ours)] == [
            (f.number, f.timestamp) for f in parse_frames(theirs)
        ]
        a, b = VpdqSignal.compare(ours, theirs), VpdqSignal.compare(theirs, ours)
        distances = [
            hamming(x.pdq, y.pdq)
            for x, y in zip(parse_frames(ours), parse_frames(theirs), strict=False)
        ]
        print(
            f"  {path.name}: {len(parse_frames(ours))} frames, same frames and times: "
            f"{same_frames}; frame distance median {statistics.median(distances):g}, max "
            f"{max(distances)}; matches both ways: {a.matched and b.matched} (query match "
            f"{a.detail['query_match_percent']:.0f}% / {b.detail['query_match_percent']:.0f}%)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    chromium_version = subprocess.run(
        [str(CHROMIUM), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(describe(["safeguarding", "playwright", "pillow", "numba", "av"]))
    print(f"browser: {chromium_version}, headless, --disable-gpu\n")
    # the machine is shared: say how busy it was, since the speed depends on it
    print("load average at start (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    photos = sorted(PHOTOS.glob("*.jpg"))
    large = [p for p in photos if max(Image.open(p).size) >= 1000]
    reference = sorted(p for p in PDQ_DATA.rglob("*") if p.suffix in (".jpg", ".png", ".webp"))
    with chromium() as browser, hashing_page(browser) as hp:
        for workers in (1, 2):
            started = time.perf_counter()
            rate, per_cpu = speed(hp, large, args.repeat, workers)
            print(
                f"- speed, {workers} worker{'s' if workers > 1 else ''}: {rate:.1f} photos/s "
                f"({per_cpu:.1f} per CPU second of the browser), {len(large)} JPEGs of at "
                f"least 1000 px (1024 px on the longer side), PDQ with the bank views, MD5 "
                f"and SHA-256, {args.repeat} rounds ({time.perf_counter() - started:.0f} s)"
            )
        print("  load average after: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
        images(hp, "the shared photos", photos, threshold_each=False)
        images(hp, "ThreatExchange's PDQ reference images", reference, threshold_each=True)
        videos(hp)


if __name__ == "__main__":
    main()
