"""Alert thresholds from a benign budget, estimated with less noise than one order statistic.

A threshold at 0.8% of about 2,300 benign conversations sits just above the benign score
that would be one too many: one conversation's score, so the threshold moves with whatever
moves that one score. The order in which the training read its sources moved version 13's
moment threshold from 0.779 to 0.828 (docs/conversation.md, "Sessions 30 and 31"), and
with it sextortion on time on never-seen chats by 36 of 1,250. The Harrell-Davis estimate
of the same quantile is a weighted mean of all the order statistics, weighted most near the
budget's place, so one score moves it little: over the same three orders the moment
threshold spread 0.803 to 0.810 instead of 0.779 to 0.828, at the same mean figures.

It estimates where the budget's quantile lies among benign conversations not yet seen,
not a count on the training ones: on the training sources it may alert one conversation
more or fewer than the order statistic would (docs/conversation.md, "Session 32")."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.stats.mstats import hdquantiles


def allowed(rate: float, total: int) -> int:
    """How many of `total` benign conversations `rate` allows to reach a tier."""
    return int(np.floor(rate * total + 1e-9))


def spend(values: Sequence[float], alerted: Sequence[bool], rate: float) -> float:
    """The threshold at which, with the conversations already alerted, `rate` of all of
    them would alert: the Harrell-Davis estimate of the score with the remaining room (the
    allowance less those already alerted) above it, among those not yet alerted."""
    remaining = np.asarray([v for v, a in zip(values, alerted, strict=True) if not a])
    room = max(0, allowed(rate, len(values)) - (len(values) - remaining.size))
    if room >= remaining.size:
        return 0.0
    if remaining.size < 2:  # Harrell-Davis needs two: just above the one score
        return float(np.nextafter(remaining[0], np.inf))
    # The order statistic's threshold lies between the room-th and the next highest score:
    # the quantile with room + 1/2 of them above it.
    quantile = 1.0 - (room + 0.5) / remaining.size
    return float(hdquantiles(remaining, prob=[quantile])[0])
