"""The evaluation's measures on samples whose answers are known by construction, and the
labelled-file reader's errors and age withholding."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from safeguarding.conversation.analyzer import Assessment
from safeguarding.conversation.evaluate import POOLED, Scored, headline, report
from safeguarding.conversation.labelled import read_labelled, read_sources
from safeguarding.conversation.metrics import (
    average_precision,
    recall_at_rate,
    roc_auc,
    threshold_at_rate,
    wilson,
)
from safeguarding.conversation.state import Tier
from safeguarding.errors import ConversationFormatError


def test_ranking_measures_on_known_rankings() -> None:
    assert average_precision([0.9, 0.8], [0.1]) == 1.0
    # positives ranked 1st and 3rd: (1/1 + 2/3) / 2
    assert average_precision([0.9, 0.5], [0.7]) == pytest.approx((1 + 2 / 3) / 2)
    assert roc_auc([0.9, 0.5], [0.7]) == 0.5
    assert roc_auc([0.9, 0.8], [0.1, 0.2]) == 1.0
    assert roc_auc([0.5], [0.5]) == 0.5  # a tie counts half
    negatives = [i / 1000 for i in range(1000)]
    assert recall_at_rate([0.995, 0.5], negatives, 0.01) == 0.5
    assert recall_at_rate([0.9995, 0.995], negatives, 0.001) == 0.5
    # 1% of 1000 benign: the 10 highest may reach the threshold, the 11th may not
    threshold = threshold_at_rate(negatives, 0.01)
    assert sum(n >= threshold for n in negatives) == 10
    assert threshold_at_rate([0.3] * 5, 0.01) > 0.3


def test_wilson_interval_matches_published_values() -> None:
    # 1 of 140: 0.0013-0.0393 (Wilson score interval, z = 1.96)
    low, high = wilson(1, 140)
    assert low == pytest.approx(0.00126, abs=1e-4) and high == pytest.approx(0.0393, abs=1e-4)
    assert wilson(0, 140)[0] == 0.0 and wilson(0, 140)[1] == pytest.approx(0.0267, abs=1e-4)


def _scored(
    source: str,
    label: str,
    alert_at: int | None,
    harm: int | None,
    g: float,
    s: float = 0.0,
    tier: Tier = Tier.NONE,
) -> Scored:
    category = None if alert_at is None else ("sextortion" if s > g else "grooming")
    return Scored(
        source, label, label, harm, alert_at is not None, category, alert_at, g, s, tier, False
    )


SAMPLE = [
    _scored("a", "grooming", 5, 10, 0.9),  # warned 5 messages before the request
    _scored("a", "grooming", 12, 10, 0.8),  # alerted, but after the request
    _scored("a", "grooming", 3, None, 0.85),  # no harm step: counts for recall only
    _scored("a", "grooming", None, 8, 0.2),  # missed
    _scored("a", "sextortion", 4, 3, 0.1, 0.95),  # one message after the threat: on time
    _scored("b", "sextortion", 6, 3, 0.1, 0.9),  # three after: late
    _scored("b", "benign", None, None, 0.1, tier=Tier.NUDGE),
    _scored("b", "benign", 2, None, 0.82),  # a false alert
    _scored("b", "benign", None, None, 0.3, 0.2),
    _scored("a", "benign", None, None, 0.05),
]


def test_eval_numbers_on_a_fixed_sample() -> None:
    result = report(SAMPLE)
    assert list(result["sources"]) == ["a", "b"]
    pooled = result[POOLED]
    assert pooled["benign"] == 4 and pooled["benign_alerted"] == 1
    assert pooled["benign_alerts_per_1000"] == 250.0
    assert pooled["benign_nudged_per_1000"] == 250.0  # only the "nudge" tier; alerts are "none"
    g = pooled["grooming"]
    assert g["alerted"] == 3 and g["alert_recall"] == 0.75
    assert (g["with_harm_step"], g["flagged_before_first_harm"]) == (3, 1)
    assert g["median_messages_of_warning"] == 5
    # grooming scores 0.9, 0.8, 0.85, 0.2 against benign 0.1, 0.82, 0.3, 0.05:
    # at 1% of 4 benign none may alert, so the bar is above 0.82: two positives clear it
    assert g["recall_at_1pct_benign"] == 0.5
    assert g["roc_auc"] == pytest.approx((4 + 3 + 4 + 2) / 16)
    x = pooled["sextortion"]
    assert x["alerted_within_1_message"] == 1 and x["alerted_within_1_message_ratio"] == 0.5
    assert "grooming" not in result["sources"]["b"]
    lines = headline(result, "test", ages=False)
    assert len(lines) == 6
    assert lines[0].startswith("grooming alert recall 0.750 (3/4)")
    assert "(1/3)" in lines[1] and "median 5 messages" in lines[1]
    assert "0.500 (1/2); 1 later (median 3 messages after it), 0 never" in lines[2]
    assert lines[3].startswith("benign alerted 1/4 = 250.0 per 1,000")
    assert lines[5].endswith("ages withheld")


def test_sextortion_is_timed_from_the_first_threat_not_an_earlier_request() -> None:
    # an image request at message 2, the first threat at 4, the alert after message 5
    late_for_harm = Scored(
        "a", "sextortion", "s", 2, True, "sextortion", 5, 0.1, 0.9, Tier.URGENT, False, 4
    )
    late = Scored("a", "sextortion", "s", 2, True, "sextortion", 6, 0.1, 0.9, Tier.URGENT, False, 4)
    untagged = Scored(
        "a", "sextortion", "s", 2, True, "sextortion", 3, 0.1, 0.9, Tier.URGENT, False
    )  # no tags: timed from first_harm_index
    x = report([late_for_harm, late, untagged])[POOLED]["sextortion"]
    assert x["alerted_within_1_message"] == 2
    assert x["alerted_within_1_message_of_first_harm"] == 1


def test_sextortion_misses_are_split_into_late_and_never() -> None:
    def chat(alert: int | None, threat: int) -> Scored:
        return Scored(
            "a", "sextortion", "s", 1, alert is not None, "sextortion" if alert else None,
            alert, 0.1, 0.9 if alert else 0.2, Tier.URGENT if alert else Tier.NONE, False, threat,
        )  # fmt: skip

    # before the threat (on time), on its reply (on time), two and four late, never
    x = report([chat(2, 4), chat(5, 4), chat(6, 4), chat(8, 4), chat(None, 4)])[POOLED]
    s = x["sextortion"]
    assert s["alerted_within_1_message"] == 2
    assert (s["alerted_late"], s["median_messages_late"], s["never_alerted"]) == (2, 3, 1)
    lines = headline(report([chat(5, 4), chat(None, 4)]), "test", ages=False)
    assert lines[2].endswith("(1/2); 0 later, 1 never")


def test_first_threat_index_comes_from_the_tags(tmp_path: Path) -> None:
    messages = [
        {"sender": "a", "text": "hi", "tags": ["none"]},
        {"sender": "a", "text": "send a pic", "tags": ["image_request"]},
        {"sender": "b", "text": "no", "tags": ["none"]},
        {"sender": "a", "text": "or else", "tags": ["threat"]},
    ]
    row = {"id": "s1", "label": "sextortion", "first_harm_index": 1, "messages": messages}
    plain = {
        **row,
        "id": "s2",
        "messages": [{k: v for k, v in m.items() if k != "tags"} for m in messages],
    }
    tagged, untagged = read_labelled(_write(tmp_path / "s.jsonl", row, plain))
    assert (tagged.first_harm_index, tagged.first_threat_index) == (1, 3)
    assert untagged.first_threat_index == 1


def _write(path: Path, *rows: dict[str, Any] | str) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


GOOD = {
    "id": "c1",
    "label": "grooming",
    "first_harm_index": 1,
    "participants": {"u1": {"age": 30, "role": "adult"}, "u2": {"age": 13, "role": "child"}},
    "messages": [
        {"sender": "u1", "text": "hi", "tags": ["rapport"]},
        {"sender": "u1", "text": "meet up?", "tags": ["meeting_request"]},
    ],
}


def test_ages_are_withheld_unless_asked_and_roles_never_reach_the_engine(tmp_path: Path) -> None:
    file = _write(tmp_path / "mine.jsonl", GOOD)
    [withheld] = read_labelled(file)
    assert withheld.source == "mine"
    assert withheld.conversation.participants == {"u1": {}, "u2": {}}
    assert withheld.roles == {"u1": "adult", "u2": "child"}
    assert withheld.tags == (frozenset({"rapport"}), frozenset({"meeting_request"}))
    [given] = read_labelled(file, with_ages=True)
    assert given.conversation.participants == {"u1": {"age": 30}, "u2": {"age": 13}}
    assert [i.source for i in read_sources([tmp_path])] == ["mine"]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("not json", "not JSON"),
        ({**GOOD, "label": "spam"}, "'label'"),
        ({**GOOD, "first_harm_index": 9}, "first_harm_index"),
        ({**GOOD, "first_harm_index": "1"}, "first_harm_index"),
        (
            {
                **GOOD,
                "first_harm_index": None,
                "messages": [{"sender": "u1", "text": "x", "tags": ["flirt"]}],
            },
            "unknown tag",
        ),
        ({**GOOD, "messages": "x"}, "'messages'"),
    ],
)
def test_a_bad_line_is_named(tmp_path: Path, bad: dict[str, Any] | str, reason: str) -> None:
    file = _write(tmp_path / "bad.jsonl", GOOD, bad)
    with pytest.raises(ConversationFormatError, match="bad: line 2") as caught:
        read_labelled(file)
    assert reason in str(caught.value)


def _assessment(offender: str | None, child: str | None) -> Assessment:
    return Assessment("c", True, "grooming", 1, 0.9, 0.1, Tier.REVIEW, offender, child, 2)


def test_who_the_engine_names_is_checked_against_the_writers_roles(tmp_path: Path) -> None:
    [item] = read_labelled(_write(tmp_path / "mine.jsonl", GOOD))  # u1 adult, u2 child
    right = Scored.of(item, _assessment("u1", "u2"))
    swapped = Scored.of(item, _assessment("u2", "u1"))
    unnamed = Scored.of(item, _assessment(None, None))  # nothing reached a nudge
    assert (right.offender_right, right.child_right) == (True, True)
    assert (swapped.offender_right, swapped.child_right) == (False, False)
    assert (unnamed.offender_right, unnamed.child_right) == (False, False)
    no_roles = replace(item, roles={})
    assert Scored.of(no_roles, _assessment("u1", "u2")).offender_right is None
    g = report([right, swapped, unnamed, Scored.of(no_roles, _assessment("u1", "u2"))])[POOLED]
    assert g["grooming"]["offender_named_right"] == {"right": 1, "of": 3, "ratio": 0.3333}
    assert g["grooming"]["child_named_right"] == {"right": 1, "of": 3, "ratio": 0.3333}
    assert report(SAMPLE)[POOLED]["grooming"]["offender_named_right"] is None
