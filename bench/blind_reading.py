"""Blind reading: how well careful readers tell sextortion from benign chats at the moment the
engine must alert, against the shipped engine on the very same excerpts.

Why: sextortion "on time" means alerted by the message after the first threat or demand, and
most misses open with an oblique hint. Whether those openings can be told apart at all from
ordinary chats with threat-like openings (jokes, scams discussed, a child telling a parent)
decides whether the target is a modelling problem or a limit of the information.

A key (JSON list of {"item", "id", "source", "kind", "shown"}) names each excerpt: the first
`shown` messages of a labelled conversation of data/conversations/sources/. Sextortion
excerpts end at the message after the first threat; benign ones at lengths drawn from those.
Readers (helpers with their own brief, blind to the labels, the key and the engine) wrote
one answers file each: {"item", "probability" (0-100), "alert", "reason"}.

  python bench/blind_reading.py excerpts KEY > excerpts.md   # what the readers read
  python bench/blind_reading.py compare KEY ANSWERS...        # readers against the engine

The engine's side is scored here, not taken from the key: each excerpt streamed through the
shipped bundle (ages withheld), its alert and its sextortion and moment probabilities after
the last shown message."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import describe
from safeguarding.conversation.analyzer import ConversationAnalyzer
from safeguarding.conversation.labelled import Labelled, read_sources
from safeguarding.conversation.loader import detector_for, load_embedder
from safeguarding.conversation.metrics import roc_auc

SOURCES = Path(__file__).resolve().parent.parent / "data" / "conversations" / "sources"


def _conversations(key: list[dict[str, Any]]) -> dict[str, Labelled]:
    wanted = {k["id"] for k in key}
    files = sorted({SOURCES / f"{k['source']}.jsonl" for k in key})
    return {i.conversation.id: i for i in read_sources(files) if i.conversation.id in wanted}


def excerpts(key: list[dict[str, Any]]) -> str:
    chats = _conversations(key)
    out = ["# Chat openings", ""]
    for k in key:
        out += [f"## Item {k['item']}", ""]
        names: dict[str, str] = {}
        for m in chats[k["id"]].conversation.messages[: k["shown"]]:
            who = names.setdefault(m.sender, ("AB", "CD", "EF", "GH", "IJ")[min(len(names), 4)])
            out.append(f"- {who}: {m.text}")
        out.append("")
    return "\n".join(out)


def _separation(harmful: list[float], benign: list[float]) -> str:
    """AUC, and the harmful share reached with at most 0 and 1 benign excerpts above."""
    auc = roc_auc(harmful, benign)
    parts = [f"AUC {auc:.3f}"]
    for allowed in (0, 1):
        ordered = sorted(benign, reverse=True)
        bar = ordered[allowed] if len(ordered) > allowed else float("-inf")
        parts.append(f"{sum(h > bar for h in harmful)}/{len(harmful)} with {allowed} benign")
    return ", ".join(parts)


def compare(key: list[dict[str, Any]], answers: list[Path]) -> None:
    print(describe(["numpy", "onnxruntime"]))
    kinds = sorted({k["kind"] for k in key})
    harmful = [not k["kind"].startswith("benign") for k in key]
    print(
        f"{len(key)} excerpts: "
        + ", ".join(f"{sum(k['kind'] == n for k in key)} {n}" for n in kinds)
    )
    for path in answers:
        given = {a["item"]: a for a in json.loads(path.read_text(encoding="utf-8"))}
        p = [float(given[k["item"]]["probability"]) for k in key]
        alerts = {
            n: sum(bool(given[k["item"]]["alert"]) for k in key if k["kind"] == n) for n in kinds
        }
        print(f"reader {path.name}: alerted " + ", ".join(f"{n} {v}" for n, v in alerts.items()))
        print(
            "  probability: "
            + _separation(
                [v for v, h in zip(p, harmful, strict=True) if h],
                [v for v, h in zip(p, harmful, strict=True) if not h],
            )
        )
    analyzer = ConversationAnalyzer(detector_for(load_embedder("use")))
    chats = _conversations(key)
    alerted = dict.fromkeys(kinds, 0)
    sextortion, moment = [], []
    for k in key:
        item = chats[k["id"]]
        state = analyzer.new_state(k["id"])
        assessment = analyzer.observe(state, item.conversation.messages[: k["shown"]])
        alerted[k["kind"]] += assessment.alert
        sextortion.append(assessment.sextortion_score)
        moment.append(state.moment_score)
    print(
        f"engine ({analyzer.detector.version}): alerted "
        + ", ".join(f"{n} {v}" for n, v in alerted.items())
    )
    for name, values in (("sextortion probability", sextortion), ("moment", moment)):
        print(
            f"  {name}: "
            + _separation(
                [v for v, h in zip(values, harmful, strict=True) if h],
                [v for v, h in zip(values, harmful, strict=True) if not h],
            )
        )


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[0] not in ("excerpts", "compare"):
        sys.exit(__doc__)
    key = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    if argv[0] == "excerpts":
        print(excerpts(key))
    else:
        compare(key, [Path(a) for a in argv[2:]])


if __name__ == "__main__":
    main(sys.argv[1:])
