"""Alert thresholds from a benign budget (BUDGETS, spend_budget; per language,
spend_by_language), each estimated with less noise than one order statistic.

A threshold at 0.8% of about 2,300 benign conversations sat just above the benign score that
would be one too many: one conversation's score, so the threshold moved with whatever moved
that one score. The order in which the training read its sources moved version 13's moment
threshold from 0.779 to 0.828 (docs/conversation.md, "Sessions 30 and 31"), and with it
sextortion on time on never-seen chats by 36 of 1,250. The Harrell-Davis estimate of the
same quantile is a weighted mean of all the order statistics, weighted most near the
budget's place, so one score moves it little: over the same three orders the moment
threshold spread 0.803 to 0.810 instead of 0.779 to 0.828, at the same mean figures.

It is a steadier estimate of the same quantile of the training sources' benign scores, not
a count on them: on those scores a tier may alert a conversation or so more or fewer than
its allowance (version 17: 19 of 2,295 where 18 are allowed), and with no room left it still
sits at the estimated quantile with half a conversation above it, which may be below the
top score. Ties at the budget's place all alert. What covers a new source's shift is the
margin of 0.8% under the 1% budget (BUDGETS), not this (docs/conversation.md,
"Session 32")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from safeguarding.conversation.language import Language
from safeguarding.conversation.metrics import allowed_at_rate
from safeguarding.errors import MissingDependencyError

# Shares of benign conversations allowed to reach each tier, on out-of-source scores. The
# alert budget is 1%; thresholds are set at 0.8% because a source never trained on alerts
# more benign chats than the training sources' out-of-source scores promise (version 7 at
# 1%: 24 of 1,810 = 1.33% leave-one-source-out; at 0.8%: 17 = 0.94%, docs/conversation.md).
# Of the alert budget, the sextortion head spends 40%, the moment model 40% more and
# grooming the rest (a fifth; the moment's share was 20% until session 33): grooming chats
# score far above the benign ones (ROC AUC 0.997 held out), so a higher grooming threshold
# costs few of them, while first threats sit among the benign chats' moments, where each
# share of the budget buys some. Leave one source out, `use` version 18 against 17:
# sextortion on time 813 against 767 of 1,055, grooming 625 against 650 of 710, benign 18
# against 21 of 2,295 (docs/conversation.md, "Session 33").
BUDGETS = {
    "alert": 0.008,
    "sextortion_share": 0.4,
    "moment_share": 0.4,
    "nudge_age_unknown": 0.05,
    "nudge": 0.10,
    "sextortion_nudge": 0.05,
}

# The part of the moment's share spent at a lower bar on the conversations whose
# conversation model has reached the sextortion nudge (assess.moment_alert): none by default,
# half in the lexical bundle (`conversation train --moment-after-nudge 0.5`). A first threat
# is often too oblique for the moment's own bar, and the next, plainer message alerts late;
# where the conversation already reads as sextortion a lower bar reaches it in time, and few
# benign chats are there to pay for it. Measured where it was chosen, on the training
# sources' out-of-source series, then once on never-seen chats (docs/conversation.md,
# "Session 42"): the lexical bundle's 51 sources, 1,218 first threats of 1,755 in time
# instead of 1,164 at the same 23 of 2,855 benign, and never seen 305 of 550 instead of 288
# at 19 of 760 benign instead of 20; the `use` bundle's never seen, 890 of 1,250 instead of
# 891 at 14 of 1,320 benign instead of 13, so not there.
MOMENT_AFTER_NUDGE = 0.0

# A language gets thresholds of its own where the training has at least this many benign
# conversations in it (the alert budget then allows 4 of them): fewer, and a threshold
# would rest on two or three scores. Other conversations keep the pooled thresholds.
LANGUAGE_MIN_BENIGN = 500


def _hdquantiles() -> Any:
    try:
        from scipy.stats.mstats import hdquantiles
    except ImportError:
        raise MissingDependencyError("scipy", "train", "Training") from None
    return hdquantiles


def spend(values: Sequence[float], alerted: Sequence[bool], rate: float) -> float:
    """The threshold at which, with the conversations already alerted, `rate` of all of
    them would alert: the Harrell-Davis estimate of the score with the remaining room (the
    allowance less those already alerted) above it, among those not yet alerted."""
    remaining = np.asarray([v for v, a in zip(values, alerted, strict=True) if not a])
    room = max(0, allowed_at_rate(rate, len(values)) - (len(values) - remaining.size))
    if room >= remaining.size:
        return 0.0
    if remaining.size < 2:  # Harrell-Davis needs two: just above the one score
        return float(np.nextafter(remaining[0], np.inf))
    # The order statistic's threshold lies between the room-th and the next highest score:
    # the quantile with room + 1/2 of them above it.
    quantile = 1.0 - (room + 0.5) / remaining.size
    return float(_hdquantiles()(remaining, prob=[quantile])[0])


def spend_budget(
    g: Sequence[float],
    s: Sequence[float],
    m: Sequence[float] | None,
    after_nudge: float = MOMENT_AFTER_NUDGE,
) -> dict[str, float]:
    """The thresholds from benign conversations' highest out-of-source grooming, sextortion
    and (where the bundle has one) moment probabilities, in the same order: BUDGETS spent,
    `after_nudge` of the moment's share at the bar past the sextortion nudge."""
    # The alert budget is spent in turn: sextortion's share, then the moment model's (on
    # top of the conversations sextortion already alerts; past the nudge, the last part of
    # it), then grooming the rest, counting a conversation any of them would alert once.
    nobody = [False] * len(s)
    sext = spend(s, nobody, BUDGETS["alert"] * BUDGETS["sextortion_share"])
    alerted = [sv >= sext for sv in s]
    thresholds: dict[str, float] = {"sextortion_alert": max(sext, 0.05)}
    nudged = min(spend(s, nobody, BUDGETS["sextortion_nudge"]), thresholds["sextortion_alert"])
    if m is not None:
        share = BUDGETS["sextortion_share"] + BUDGETS["moment_share"] * (1 - after_nudge)
        moment = spend(m, alerted, BUDGETS["alert"] * share)
        thresholds["sextortion_moment"] = max(moment, 0.05)
        alerted = [a or mv >= moment for a, mv in zip(alerted, m, strict=True)]
        if after_nudge > 0:
            # the engine's sextortion and moment scores are both running maxima, so a
            # benign chat reaches this bar iff its highest moment does and its highest
            # sextortion probability reaches the nudge
            share = BUDGETS["sextortion_share"] + BUDGETS["moment_share"]
            past = [mv if sv >= nudged else 0.0 for sv, mv in zip(s, m, strict=True)]
            after = max(spend(past, alerted, BUDGETS["alert"] * share), 0.05)
            thresholds["sextortion_moment_after_nudge"] = after
            alerted = [a or pv >= after for a, pv in zip(alerted, past, strict=True)]
    groom = spend(g, alerted, BUDGETS["alert"])
    thresholds["grooming_alert"] = max(groom, 0.05)
    thresholds |= {
        "nudge": spend(g, nobody, BUDGETS["nudge"]),
        "nudge_age_unknown": spend(g, nobody, BUDGETS["nudge_age_unknown"]),
        "sextortion_nudge": nudged,
    }
    for key in ("nudge", "nudge_age_unknown"):
        thresholds[key] = min(thresholds[key], thresholds["grooming_alert"])
    return thresholds


def spend_by_language(
    languages: Sequence[Language | None],
    g: Sequence[float],
    s: Sequence[float],
    m: Sequence[float] | None,
    minimum: int = LANGUAGE_MIN_BENIGN,
    after_nudge: float = MOMENT_AFTER_NUDGE,
) -> dict[Language, dict[str, float]]:
    """The same budget spent on each language's benign conversations alone (`languages`:
    each conversation's, in the order of the scores), for the languages with `minimum`.

    Why: the conversation and moment models do not score ordinary chats alike in every
    language, so pooled thresholds spend the budget where scores run high and leave the
    rest under-alerted; per language, each is alerted at the budget (docs/conversation.md,
    "Session 40")."""
    out: dict[Language, dict[str, float]] = {}
    for language in Language:
        picked = [i for i, found in enumerate(languages) if found is language]
        if len(picked) >= minimum:
            out[language] = spend_budget(
                [g[i] for i in picked],
                [s[i] for i in picked],
                None if m is None else [m[i] for i in picked],
                after_nudge,
            )
    return out
