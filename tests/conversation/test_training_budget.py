"""The alert thresholds' budget rule (training/budget.py): the Harrell-Davis estimate of the
budget's quantile, against the one order statistic it replaced."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from safeguarding.conversation.metrics import allowed_at_rate as allowed
from safeguarding.conversation.metrics import threshold_at_rate
from safeguarding.conversation.training.budget import BUDGETS, spend, spend_budget
from safeguarding.errors import MissingDependencyError


def _benign(n: int = 2300, seed: int = 7) -> list[float]:
    # scores shaped like benign conversations' out-of-source ones: most low, a thin tail
    return [float(v) for v in np.random.default_rng(seed).beta(1.2, 9.0, n)]


def test_it_alerts_about_the_budget_on_the_scores_it_was_set_on() -> None:
    values = _benign()
    for rate in (0.0032, 0.008, 0.05, 0.10):
        threshold = spend(values, [False] * len(values), rate)
        reached = sum(v >= threshold for v in values)
        # within one at the alert tiers' few; within 5% at the nudges' hundred or more, where
        # the estimate averages over a wider stretch of the tail
        assert abs(reached - allowed(rate, len(values))) <= max(1, 0.05 * reached)


def test_one_score_at_the_budgets_place_moves_it_far_less_than_the_order_statistic() -> None:
    """The reason for the rule: the order statistic is one benign conversation's score."""
    values = sorted(_benign(), reverse=True)
    rate = 0.008 * 0.6
    place = allowed(rate, len(values))  # the score one too many, just below the threshold
    moved = list(values)
    moved[place] = (values[place] + values[place + 1]) / 2 + 0.49 * (
        values[place + 1] - values[place]
    )
    old_shift = abs(threshold_at_rate(moved, rate) - threshold_at_rate(values, rate))
    nobody = [False] * len(values)
    new_shift = abs(spend(moved, nobody, rate) - spend(values, nobody, rate))
    assert old_shift > 0
    assert new_shift < old_shift / 5


def test_a_larger_budget_never_raises_the_threshold() -> None:
    values = _benign(n=500, seed=3)
    nobody = [False] * len(values)
    thresholds = [spend(values, nobody, rate) for rate in (0.002, 0.008, 0.02, 0.05, 0.1, 0.3)]
    assert thresholds == sorted(thresholds, reverse=True)


def test_conversations_already_alerted_spend_the_room() -> None:
    values = _benign(n=1000, seed=5)
    others = np.random.default_rng(9).random(1000)
    alerted = (others > 0.996).tolist()  # 4 alerted by an earlier tier
    rate = 0.008  # 8 allowed in all: room for about 4 more
    threshold = spend(values, alerted, rate)
    alone = spend(values, [False] * 1000, rate)
    assert threshold > alone
    more = sum(v >= threshold and not a for v, a in zip(values, alerted, strict=True))
    assert abs(more - (allowed(rate, 1000) - sum(alerted))) <= 1


def test_no_room_left_or_a_budget_for_all_is_handled() -> None:
    values = [0.1, 0.2, 0.3, 0.4]
    assert spend(values, [False] * 4, 1.0) == 0.0  # every one allowed: no threshold
    full = [True, True, False, False]
    # 2 of 4 allowed and both used by an earlier tier: no room, so the estimate of the score
    # with half a conversation above it among the two left, between them and near the top
    assert 0.35 < spend(values, full, 0.5) < 0.4
    # one left and no room: just above it
    assert spend([0.2, 0.9], [True, False], 0.5) == math.nextafter(0.9, math.inf)


def test_it_needs_equal_length_flags() -> None:
    with pytest.raises(ValueError, match="shorter"):
        spend([0.1, 0.2], [False], 0.1)


def test_without_scipy_it_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "scipy.stats.mstats", None)  # as if not installed
    with pytest.raises(MissingDependencyError, match="train"):
        spend(_benign(n=100), [False] * 100, 0.05)


def test_the_moment_share_past_the_nudge_spends_its_own_room() -> None:
    """spend_budget's bar past the sextortion nudge: lower than the moment's own bar, and
    on the scores it was set on each tier alerts about its share of the budget."""
    rng = np.random.default_rng(11)
    n = 5000
    g, s, m = (rng.beta(1.2, 9.0, n).tolist() for _ in range(3))
    t = spend_budget(g, s, m, 0.5)
    after, moment = t["sextortion_moment_after_nudge"], t["sextortion_moment"]
    assert after < moment
    past = [sv >= t["sextortion_nudge"] for sv in s]
    # the nudge's own share, about 5% of them
    assert abs(sum(past) - allowed(BUDGETS["sextortion_nudge"], n)) <= 0.05 * sum(past)
    alerted = [sv >= t["sextortion_alert"] or mv >= moment for sv, mv in zip(s, m, strict=True)]
    # (within two: the smoothed quantile, module docstring) the moment's own bar spends
    # half its share ...
    half = BUDGETS["sextortion_share"] + BUDGETS["moment_share"] / 2
    assert abs(sum(alerted) - allowed(BUDGETS["alert"] * half, n)) <= 2
    # ... and the bar past the nudge the other half, only on those past it
    more = sum(p and mv >= after and not a for p, mv, a in zip(past, m, alerted, strict=True))
    whole = BUDGETS["sextortion_share"] + BUDGETS["moment_share"]
    assert abs(more - (allowed(BUDGETS["alert"] * whole, n) - sum(alerted))) <= 2


def test_without_a_share_past_the_nudge_there_is_no_such_bar() -> None:
    rng = np.random.default_rng(12)
    g, s, m = (rng.beta(1.2, 9.0, 3000).tolist() for _ in range(3))
    with_bar = spend_budget(g, s, m, 0.5)
    without = spend_budget(g, s, m)  # the default: none, as every bundle before
    assert "sextortion_moment_after_nudge" not in without
    # the moment's own bar takes its whole share again
    assert without["sextortion_moment"] < with_bar["sextortion_moment"]
    assert without["sextortion_alert"] == with_bar["sextortion_alert"]
    assert "sextortion_moment_after_nudge" not in spend_budget(g, s, None, 0.5)
