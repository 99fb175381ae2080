"""Subscribers' outcomes summed for transparency reports, in SQL: what the platforms taking
this instance's feeds reported back (feeds/outcomes.py), per feed. For the self-report feed
these are the removals elsewhere of the pictures young people reported themselves."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safeguarding.banks.counts import bank_names
from safeguarding.feeds.tables import FeedOutcomeRow
from safeguarding.store.periods import within

#: what a subscriber reports per hash: matches, removals and false positives among them
MEASURES = ("matched", "removed", "false_positive")


def outcomes(session: Session, start: datetime, end: datetime) -> dict[tuple[str, str], int]:
    """(feed's bank, measure) -> the counts subscribers reported in the range (by when each
    report arrived; a resent report replaces the earlier one and counts once, when last
    sent). Lower bounds: a subscriber reports only what it chooses to."""
    o = FeedOutcomeRow
    names = bank_names().subquery()
    query = (
        select(names.c.bank, func.sum(o.matched), func.sum(o.removed), func.sum(o.false_positive))
        .join(names, names.c.bank_id == o.bank_id)
        .where(within(o.reported_at, start, end))
        .group_by(names.c.bank)
    )
    out: dict[tuple[str, str], int] = {}
    for bank, *sums in session.execute(query):
        out.update({(bank, m): int(n or 0) for m, n in zip(MEASURES, sums, strict=True)})
    return out
