"""Evaluation on a labelled set: ranking quality, recall at fixed benign alert rates, the
engine's own alert rate, and how early it warns.

A labelled line is a conversation (the CLI input format) plus "label" (grooming, sextortion
or benign) and "first_harm_index": the first image or meeting request in grooming, the
first threat in sextortion."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from statistics import median
from typing import Any

from safeguarding.conversation.analyzer import Assessment, ConversationAnalyzer
from safeguarding.conversation.io import parse_conversation

CATEGORIES = ("grooming", "sextortion")


@dataclass(frozen=True)
class Scored:
    label: str
    kind: str
    first_harm_index: int | None
    assessment: Assessment


def score_labelled(analyzer: ConversationAnalyzer, lines: Iterable[dict[str, Any]]
                   ) -> list[Scored]:
    out = []
    for item in lines:
        conversation = parse_conversation(item)
        assessment = analyzer.score(conversation.id, conversation.messages,
                                    conversation.participants)
        harm = item.get("first_harm_index")
        out.append(Scored(str(item["label"]), str(item.get("kind", item["label"])),
                          int(harm) if harm is not None else None, assessment))
    return out


def average_precision(positives: list[float], negatives: list[float]) -> float:
    # Ties are ranked pessimistically: a benign score equal to a positive one comes first.
    ranked = sorted([(s, 1) for s in positives] + [(s, 0) for s in negatives],
                    key=lambda x: (-x[0], x[1]))
    hits, total = 0, 0.0
    for rank, (_, is_positive) in enumerate(ranked, start=1):
        if is_positive:
            hits += 1
            total += hits / rank
    return total / max(1, len(positives))


def recall_at_rate(positives: list[float], negatives: list[float], rate: float) -> float:
    """Recall with the threshold set so at most `rate` of benign conversations score above it."""
    allowed = int(rate * len(negatives))
    ordered = sorted(negatives, reverse=True)
    threshold = ordered[allowed] if allowed < len(ordered) else -1.0
    return sum(s > threshold for s in positives) / max(1, len(positives))


def report(results: list[Scored]) -> dict[str, Any]:
    benign = [r for r in results if r.label == "benign"]
    alerted_benign = [r for r in benign if r.assessment.alert]
    out: dict[str, Any] = {
        "conversations": len(results),
        "benign": len(benign),
        "benign_alerts_per_1000": round(1000 * len(alerted_benign) / max(1, len(benign)), 2),
        "benign_alerts_by_kind": _count(r.kind for r in alerted_benign),
        "benign_nudged_per_1000": round(
            1000 * sum(r.assessment.tier != "none" for r in benign) / max(1, len(benign)), 2),
        # a participant telling of a threat they received is nudged by design (safety
        # information for a victim); the rate that costs platforms is the rest
        "benign_nudged_without_disclosure_per_1000": round(
            1000 * sum(r.assessment.tier != "none" and not r.assessment.disclosure
                       for r in benign) / max(1, len(benign)), 2),
    }
    for category in CATEGORIES:
        positives = [r for r in results if r.label == category]
        if not positives:
            continue
        key = "grooming_score" if category == "grooming" else "sextortion_score"
        pos = [getattr(r.assessment, key) for r in positives]
        neg = [getattr(r.assessment, key) for r in benign]
        alerted = [r for r in positives if r.assessment.alert]
        delays = [r.assessment.first_alert_index - r.first_harm_index for r in alerted
                  if r.assessment.first_alert_index is not None
                  and r.first_harm_index is not None]
        section: dict[str, Any] = {
            "conversations": len(positives),
            "average_precision": round(average_precision(pos, neg), 4),
            "recall_at_1pct_benign": round(recall_at_rate(pos, neg, 0.01), 4),
            "recall_at_0.1pct_benign": round(recall_at_rate(pos, neg, 0.001), 4),
            "alert_recall": round(len(alerted) / len(positives), 4),
            "alert_recall_right_category": round(
                sum(r.assessment.category == category for r in alerted) / len(positives), 4),
            "median_alert_minus_harm_index": median(delays) if delays else None,
        }
        if category == "grooming":
            section["flagged_before_first_request"] = round(
                sum(d < 0 for d in delays) / len(positives), 4)
        else:
            section["alerted_within_1_message_of_threat"] = round(
                sum(d <= 1 for d in delays) / len(positives), 4)
        out[category] = section
    return out


def _count(values: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))
