"""Evaluation on labelled sets, per source and pooled: what a platform would see.

Grooming: alert recall at the engine's threshold and at 1% / 0.1% of benign conversations
alerted; flagged before the first harm step (image or meeting request), of those that have
one, with the median messages of warning. Sextortion: alerted no later than one message
after the first threat or demand. Benign: alerted and nudged per 1,000 with a Wilson 95%
interval. Ranking: ROC AUC and average precision of each category's score against benign.
Roles: how often the likely offender and child the engine names are the writer's adult and
child, where the file says who is who."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

from safeguarding.conversation.analyzer import Assessment, ConversationAnalyzer
from safeguarding.conversation.labelled import Labelled
from safeguarding.conversation.metrics import (
    average_precision,
    recall_at_rate,
    roc_auc,
    wilson,
)
from safeguarding.conversation.pool import fork_imap
from safeguarding.conversation.state import Tier

CATEGORIES = ("grooming", "sextortion")
POOLED = "all"


@dataclass(frozen=True)
class Scored:
    source: str
    label: str
    kind: str
    first_harm_index: int | None
    alert: bool
    category: str | None
    first_alert_index: int | None
    grooming_score: float
    sextortion_score: float
    tier: Tier
    disclosure: bool
    #: the first threat or payment demand (sextortion's clock); None: first_harm_index
    first_threat_index: int | None = None
    #: the named offender is the writer's adult, the named child their child (None: the file
    #: names no such role)
    offender_right: bool | None = None
    child_right: bool | None = None

    @property
    def threat_index(self) -> int | None:
        return (
            self.first_harm_index if self.first_threat_index is None else (self.first_threat_index)
        )

    def score(self, category: str) -> float:
        return self.grooming_score if category == "grooming" else self.sextortion_score

    @classmethod
    def of(cls, item: Labelled, a: Assessment) -> Scored:
        """One labelled conversation's result, as the analyzer assessed it."""
        return cls(
            item.source,
            item.label,
            item.kind,
            item.first_harm_index,
            a.alert,
            a.category,
            a.first_alert_index,
            a.grooming_score,
            a.sextortion_score,
            a.tier,
            a.disclosure,
            item.first_threat_index,
            _named(a.offender, item.roles, "adult"),
            _named(a.child, item.roles, "child"),
        )


def _named(named: str | None, roles: dict[str, str], role: str) -> bool | None:
    holders = {p for p, r in roles.items() if r == role}
    return named in holders if holders else None


def score_labelled(
    analyzer: ConversationAnalyzer,
    items: Sequence[Labelled],
    progress: Callable[[int, int], object] | None = None,
    batch: int = 64,
    workers: int = 1,
) -> list[Scored]:
    """Scores whole conversations, a batch at a time (the model runs on full batches), in up
    to `workers` forked processes (pool.py), in order."""

    def work(part: Sequence[Labelled]) -> list[Scored]:
        assessments = analyzer.score_many(
            [
                (i.conversation.id, i.conversation.messages, i.conversation.participants)
                for i in part
            ]
        )
        return [Scored.of(item, a) for item, a in zip(part, assessments, strict=True)]

    out: list[Scored] = []
    parts = (items[start : start + batch] for start in range(0, len(items), batch))
    for scored in fork_imap(work, parts, workers):
        out.extend(scored)
        if progress is not None:
            progress(len(out), len(items))
    return out


def report(results: Sequence[Scored]) -> dict[str, Any]:
    """Figures per source (in first-seen order) and pooled over all of them."""
    sources = list(dict.fromkeys(r.source for r in results))
    out: dict[str, Any] = {
        "sources": {s: section([r for r in results if r.source == s]) for s in sources}
    }
    out[POOLED] = section(results)
    return out


def section(results: Sequence[Scored]) -> dict[str, Any]:
    benign = [r for r in results if r.label == "benign"]
    alerted = [r for r in benign if r.alert]
    nudged = [r for r in benign if r.tier != Tier.NONE]
    low, high = wilson(len(alerted), len(benign))
    out: dict[str, Any] = {
        "conversations": len(results),
        "benign": len(benign),
        "benign_alerted": len(alerted),
        "benign_alerts_per_1000": _per_1000(len(alerted), len(benign)),
        "benign_alerts_wilson95_per_1000": [round(1000 * low, 1), round(1000 * high, 1)],
        "benign_alerts_by_kind": _count(r.kind for r in alerted),
        "benign_nudged_per_1000": _per_1000(len(nudged), len(benign)),
        # a participant telling of a threat they received is nudged by design (safety
        # information for a victim); the rate that costs platforms is the rest
        "benign_nudged_without_disclosure_per_1000": _per_1000(
            sum(not r.disclosure for r in nudged), len(benign)
        ),
    }
    for category in CATEGORIES:
        positives = [r for r in results if r.label == category]
        if positives:
            out[category] = _category(category, positives, benign)
    return out


def _category(category: str, positives: list[Scored], benign: list[Scored]) -> dict[str, Any]:
    pos = [r.score(category) for r in positives]
    neg = [r.score(category) for r in benign]
    alerted = [r for r in positives if r.alert]
    with_harm = [r for r in positives if r.first_harm_index is not None]
    out: dict[str, Any] = {
        "conversations": len(positives),
        "alerted": len(alerted),
        "alert_recall": _ratio(len(alerted), len(positives)),
        "alert_recall_right_category": _ratio(
            sum(r.category == category for r in alerted), len(positives)
        ),
        "recall_at_1pct_benign": round(recall_at_rate(pos, neg, 0.01), 4) if neg else None,
        "recall_at_0.1pct_benign": round(recall_at_rate(pos, neg, 0.001), 4) if neg else None,
        "roc_auc": round(roc_auc(pos, neg), 4) if neg else None,
        "average_precision": round(average_precision(pos, neg), 4) if neg else None,
        # who the engine names (nobody until a nudge is reached counts as wrong)
        "offender_named_right": _share(r.offender_right for r in positives),
        "child_named_right": _share(r.child_right for r in positives),
    }
    if category == "grooming":
        early = [
            r.first_harm_index - r.first_alert_index
            for r in with_harm
            if r.first_alert_index is not None
            and r.first_harm_index is not None
            and r.first_alert_index < r.first_harm_index
        ]
        out["with_harm_step"] = len(with_harm)
        out["flagged_before_first_harm"] = len(early)
        out["flagged_before_first_harm_ratio"] = _ratio(len(early), len(with_harm))
        out["median_messages_of_warning"] = median(early) if early else None
    else:
        # The measure: alerted no later than one message after the first threat or
        # payment demand. Timed from the first harm step instead (an image request often
        # comes first) it is stricter; both are reported.
        on_time = [r for r in positives if _within(r.first_alert_index, r.threat_index, 1)]
        strict = [r for r in positives if _within(r.first_alert_index, r.first_harm_index, 1)]
        out["alerted_within_1_message"] = len(on_time)
        out["alerted_within_1_message_ratio"] = _ratio(len(on_time), len(positives))
        out["alerted_within_1_message_of_first_harm"] = len(strict)
        # How the others were missed: alerted later, and how many messages after the first
        # threat, or never. Late by two is the offender's next message after the child's
        # reply: the oblique first threat and the reply stayed under the bar
        # (docs/conversation.md, "Session 41").
        late = [
            r.first_alert_index - r.threat_index
            for r in positives
            if r.first_alert_index is not None
            and r.threat_index is not None
            and r.first_alert_index > r.threat_index + 1
        ]
        out["alerted_late"] = len(late)
        out["median_messages_late"] = median(late) if late else None
        out["never_alerted"] = sum(r.first_alert_index is None for r in positives)
    return out


def headline(result: dict[str, Any], model: str, ages: bool) -> list[str]:
    """Six lines with the figures the issue is judged by (pooled); printed last."""
    s = result[POOLED]
    g, x = s.get("grooming"), s.get("sextortion")
    lines = []
    if g:
        lines.append(
            f"grooming alert recall {g['alert_recall']:.3f} ({g['alerted']}/"
            f"{g['conversations']}) at the shipped threshold; "
            f"{_fmt(g['recall_at_1pct_benign'])} at 1% and "
            f"{_fmt(g['recall_at_0.1pct_benign'])} at 0.1% of benign alerted"
        )
        warning = g["median_messages_of_warning"]
        lines.append(
            f"grooming flagged before the first harm step "
            f"{_fmt(g['flagged_before_first_harm_ratio'])} "
            f"({g['flagged_before_first_harm']}/{g['with_harm_step']}), median "
            f"{warning if warning is not None else '-'} messages of warning"
        )
    else:
        lines += ["grooming: none in this set", "grooming early warning: none in this set"]
    if x:
        lines.append(
            f"sextortion alerted within one message of the first threat or demand "
            f"{x['alerted_within_1_message_ratio']:.3f} "
            f"({x['alerted_within_1_message']}/{x['conversations']}); "
            f"{x['alerted_late']} later{_late(x['median_messages_late'])}, "
            f"{x['never_alerted']} never"
        )
    else:
        lines.append("sextortion: none in this set")
    low, high = s["benign_alerts_wilson95_per_1000"]
    lines.append(
        f"benign alerted {s['benign_alerted']}/{s['benign']} = "
        f"{s['benign_alerts_per_1000']} per 1,000 (Wilson 95% {low}-{high}); "
        f"nudged {s['benign_nudged_per_1000']} per 1,000"
    )
    ranks = [
        f"{name} {_fmt(c['roc_auc'])} / {_fmt(c['average_precision'])}"
        for name, c in (("grooming", g), ("sextortion", x))
        if c
    ]
    lines.append(f"ROC AUC / AP: {', '.join(ranks) or '-'}")
    lines.append(
        f"{s['conversations']} conversations from {len(result['sources'])} source(s); "
        f"model: {model}; ages {'given' if ages else 'withheld'}"
    )
    return lines


def _within(alert: int | None, event: int | None, messages: int) -> bool:
    return alert is not None and event is not None and alert <= event + messages


def _late(median_late: float | None) -> str:
    return "" if median_late is None else f" (median {median_late:g} messages after it)"


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _share(values: Iterable[bool | None]) -> dict[str, Any] | None:
    """How many of those with a known answer are right (None: none known)."""
    known = [v for v in values if v is not None]
    if not known:
        return None
    right = sum(known)
    return {"right": right, "of": len(known), "ratio": _ratio(right, len(known))}


def _per_1000(part: int, whole: int) -> float:
    return round(1000 * part / max(1, whole), 1)


def _count(values: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))
