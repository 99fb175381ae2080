"""Alert thresholds from a benign budget, estimated with less noise than one order statistic.

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
margin of 0.8% under the 1% budget (trainer.BUDGETS), not this (docs/conversation.md,
"Session 32")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from safeguarding.conversation.metrics import allowed_at_rate
from safeguarding.errors import MissingDependencyError


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
