"""The development set: kept apart from the example phrases, and the engine meets the
issue's targets on it, with and without the model."""

from __future__ import annotations

from typing import Any

import pytest

from safeguarding.conversation.analyzer import ConversationAnalyzer
from safeguarding.conversation.evaluate import POOLED, report, score_labelled
from safeguarding.conversation.labelled import read_labelled
from safeguarding.conversation.metrics import average_precision, recall_at_rate
from safeguarding.conversation.normalize import normalize
from safeguarding.conversation.semantic import load_phrases
from tests.conversation.conftest import DEV_SET


def test_metrics_on_known_rankings() -> None:
    assert average_precision([0.9, 0.8], [0.1]) == 1.0
    # positives ranked 1st and 3rd: (1/1 + 2/3) / 2
    assert average_precision([0.9, 0.5], [0.7]) == pytest.approx((1 + 2 / 3) / 2)
    negatives = [i / 1000 for i in range(1000)]
    assert recall_at_rate([0.995, 0.5], negatives, 0.01) == 0.5
    assert recall_at_rate([0.9995, 0.995], negatives, 0.001) == 0.5


def test_phrases_and_dev_set_share_no_message(dev_set: list[dict[str, Any]]) -> None:
    phrases = load_phrases()
    examples = {normalize(p) for group in phrases.tactics.values() for p in group}
    examples |= {normalize(p) for p in phrases.disclosure + phrases.benign}
    messages = {normalize(m["text"]) for c in dev_set for m in c["messages"]}
    assert not examples & messages


def test_dev_set_is_labelled_and_has_the_hard_negatives(dev_set: list[dict[str, Any]]) -> None:
    kinds = {c["kind"] for c in dev_set if c["label"] == "benign"}
    assert {
        "teen_flirt",
        "adult_couple",
        "parent_child",
        "coach",
        "teacher",
        "gamers",
        "haircut",
        "victim_tells_friend",
        "sex_ed",
        "scam",
        "sibling",
        "grandparent",
    } <= kinds
    for c in dev_set:
        if c["label"] != "benign":
            assert 0 <= c["first_harm_index"] < len(c["messages"])


def _check_regression(analyzer: ConversationAnalyzer, on_time: float) -> None:
    """The generated dev set is a regression check, not a headline: floors a little under
    the shipped models' figures (docs/conversation.md)."""
    result = report(score_labelled(analyzer, read_labelled(DEV_SET)))[POOLED]
    assert result["benign_alerts_per_1000"] <= 25
    assert result["grooming"]["roc_auc"] >= 0.9
    assert result["sextortion"]["roc_auc"] >= 0.98
    assert result["sextortion"]["alerted_within_1_message_ratio"] >= on_time


@pytest.mark.slow
def test_dev_set_regression_lexical(lexical: ConversationAnalyzer) -> None:
    # lexical version 16 (51 sources): 66 of 100 in time (version 12: 65, versions 10 and 9:
    # 61, version 8: 58, version 7: 56, version 6: 66, version 5: 78), though versions 6
    # and 7 gained over the independent sources held out, pooled (docs/conversation.md,
    # "Version 11"): the generated chats are not the writers'
    _check_regression(lexical, on_time=0.5)


@pytest.mark.slow
def test_dev_set_regression_with_model(with_model: ConversationAnalyzer) -> None:
    # use version 23 (37 sources): 80 of 100 in time (versions 22 and 18: 78, version 17: 73,
    # version 13: 74, version 10: 81), while version 13 gained over the shared files held
    # out and the sources it never saw (docs/conversation.md, "Session 21"): the generated
    # chats are not the writers'
    _check_regression(with_model, on_time=0.7)
