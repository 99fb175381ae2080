"""Ranking and rate measures over conversation scores, shared by the evaluation and by
training (where thresholds are chosen). Plain Python over short lists: a labelled set is a
few thousand conversations at most.

Conventions: a conversation is alerted when its score is at or above the threshold; ties
between a positive and a benign score are ranked pessimistically (the benign one first)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def average_precision(positives: Sequence[float], negatives: Sequence[float]) -> float:
    ranked = sorted(
        [(s, 1) for s in positives] + [(s, 0) for s in negatives], key=lambda x: (-x[0], x[1])
    )
    hits, total = 0, 0.0
    for rank, (_, is_positive) in enumerate(ranked, start=1):
        if is_positive:
            hits += 1
            total += hits / rank
    return total / max(1, len(positives))


def roc_auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """The chance a random positive outscores a random benign conversation (ties: half)."""
    if not positives or not negatives:
        return float("nan")
    ordered = sorted(negatives)
    wins = 0.0
    for score in positives:
        below = _count_below(ordered, score)
        equal = _count_below(ordered, math.nextafter(score, math.inf)) - below
        wins += below + equal / 2
    return wins / (len(positives) * len(negatives))


def _count_below(ordered: Sequence[float], value: float) -> int:
    lo, hi = 0, len(ordered)
    while lo < hi:
        mid = (lo + hi) // 2
        if ordered[mid] < value:
            lo = mid + 1
        else:
            hi = mid
    return lo


def allowed_at_rate(rate: float, total: int) -> int:
    """How many of `total` benign conversations `rate` allows to reach a tier (the small
    epsilon keeps 0.01 * 100 from flooring to 0 in binary)."""
    return math.floor(rate * total + 1e-9)


def threshold_at_rate(negatives: Sequence[float], rate: float) -> float:
    """The lowest threshold at which at most `rate` of the benign scores are at or above it
    (just above the benign score that would be one too many)."""
    allowed = allowed_at_rate(rate, len(negatives))
    ordered = sorted(negatives, reverse=True)
    if allowed >= len(ordered):
        return 0.0
    return math.nextafter(ordered[allowed], math.inf)


def recall_at_rate(positives: Sequence[float], negatives: Sequence[float], rate: float) -> float:
    """Recall with the threshold set so at most `rate` of benign conversations reach it."""
    threshold = threshold_at_rate(negatives, rate)
    return sum(s >= threshold for s in positives) / max(1, len(positives))


def wilson(successes: int, total: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score 95% interval of a proportion: honest at 0 or 1 of a few hundred."""
    if total == 0:
        return 0.0, 1.0
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def pr_curve(
    positives: Sequence[float], negatives: Sequence[float]
) -> tuple[list[float], list[float]]:
    """(recall, precision) at each distinct threshold, highest first."""
    ranked = sorted(
        [(s, 1) for s in positives] + [(s, 0) for s in negatives], key=lambda x: (-x[0], x[1])
    )
    recall, precision, hits = [], [], 0
    for rank, (_, is_positive) in enumerate(ranked, start=1):
        hits += is_positive
        recall.append(hits / max(1, len(positives)))
        precision.append(hits / rank)
    return recall, precision
