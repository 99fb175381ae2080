"""Outcomes subscribers report back on a feed's entries (`POST /v1/feeds/{bank}/outcomes`):
per hash, how many times it matched on their platform, how many of those they removed, and
how many were false positives. Counts only: never a content id, an account or a URL.

A report names its `period`: a day (`2026-11-30`) for a subscriber that sends daily totals,
or any report id (the `safeguarding` kind sends one per reviewer's decision, named by its
outbox key). The counts a key reports for a period replace what it reported for that period
before, so a retry never counts twice; different periods add up.

`per_entry` is what a publisher's pages ask: per entry, how many subscribers matched it,
removed it, or found it a false positive (and the totals of their counts).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from safeguarding.banks.store import BankStore
from safeguarding.errors import InvalidInputError, SignalError
from safeguarding.feeds.tables import FeedOutcomeRow
from safeguarding.hashing.registry import validate_signal
from safeguarding.store.db import insert_for

#: the most hashes one report may carry
MAX_OUTCOMES = 1000
#: the largest count one hash may report for one period
MAX_COUNT = 1_000_000_000
MAX_PERIOD_CHARS = 200
_PERIOD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@/+-]{0,199}")


@dataclass(frozen=True)
class Outcome:
    """What a subscriber saw of one hash in one period."""

    signal_type: str
    value: str
    matched: int = 0
    removed: int = 0
    false_positive: int = 0


@dataclass(frozen=True)
class OutcomeReceipt:
    period: str
    #: hashes recorded (they are entries of the feed's bank)
    accepted: int
    #: hashes the bank does not hold (withdrawn since, or never listed): not recorded
    unknown: int


@dataclass(frozen=True)
class EntryOutcomes:
    """One entry of a feed as its subscribers reported it. `subscribers_*` count distinct
    subscriber keys with a nonzero count; the other three are their counts summed over
    subscribers and periods."""

    entry_id: int
    signal_type: str
    value: str
    subscribers_matched: int
    subscribers_removed: int
    subscribers_false_positive: int
    matched: int
    removed: int
    false_positive: int


def check_period(period: object) -> str:
    if not isinstance(period, str) or not _PERIOD.fullmatch(period):
        raise InvalidInputError(
            "period",
            f"must be 1 to {MAX_PERIOD_CHARS} letters, digits or _.:@/+- "
            "(a day such as 2026-11-30, or a report id)",
        )
    return period


def check_outcomes(outcomes: Sequence[Outcome]) -> dict[tuple[str, str], Outcome]:
    """The report's outcomes by (canonical type, canonical value); a clear error naming the
    first bad one (its index), and nothing recorded."""
    if not 1 <= len(outcomes) <= MAX_OUTCOMES:
        raise InvalidInputError("outcomes", f"must hold 1 to {MAX_OUTCOMES} hashes")
    checked: dict[tuple[str, str], Outcome] = {}
    for index, outcome in enumerate(outcomes):
        where = f"outcomes[{index}]"
        try:
            key = validate_signal(outcome.signal_type, outcome.value)
        except SignalError as exc:
            raise InvalidInputError(where, str(exc)[:300]) from None
        counts = (outcome.matched, outcome.removed, outcome.false_positive)
        if not all(
            isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= MAX_COUNT for n in counts
        ):
            raise InvalidInputError(where, f"counts must be whole numbers 0 to {MAX_COUNT}")
        if outcome.removed > outcome.matched or outcome.false_positive > outcome.matched:
            raise InvalidInputError(
                where, "removed and false_positive cannot exceed matched (each is a match)"
            )
        if key in checked:
            raise InvalidInputError(where, "the same hash twice in one report")
        checked[key] = outcome
    return checked


class OutcomeStore:
    """Methods take the caller's session."""

    def __init__(self, banks: BankStore) -> None:
        self.banks = banks

    def record(
        self,
        session: Session,
        bank: str,
        key_id: str,
        period: str,
        outcomes: dict[tuple[str, str], Outcome],
        now: datetime,
    ) -> OutcomeReceipt:
        bank_id = self.banks.get(session, bank).id
        ids = self.banks.entry_ids(session, bank, list(outcomes))
        rows = [
            {
                "bank_id": bank_id,
                "entry_id": ids[key],
                "key_id": key_id,
                "period": period,
                "matched": outcome.matched,
                "removed": outcome.removed,
                "false_positive": outcome.false_positive,
                "reported_at": now,
            }
            for key, outcome in outcomes.items()
            if key in ids
        ]
        if rows:
            statement = insert_for(session)(FeedOutcomeRow.__table__).values(rows)
            session.execute(
                statement.on_conflict_do_update(
                    index_elements=["key_id", "entry_id", "period"],
                    set_={
                        name: getattr(statement.excluded, name)
                        for name in ("matched", "removed", "false_positive", "reported_at")
                    },
                )
            )
        return OutcomeReceipt(period, len(rows), len(outcomes) - len(rows))

    def per_entry(
        self, session: Session, bank: str, hashes: Sequence[tuple[str, str]] | None = None
    ) -> list[EntryOutcomes]:
        """Per entry of `bank` (those with these (signal type, value)s; None: every entry
        with an outcome), what its subscribers reported, by entry id."""
        target = self.banks.get(session, bank)
        o = FeedOutcomeRow

        def subscribers(column: InstrumentedAttribute[int]) -> ColumnElement[int]:
            return func.count(func.distinct(case((column > 0, o.key_id))))

        query = (
            select(
                o.entry_id,
                subscribers(o.matched),
                subscribers(o.removed),
                subscribers(o.false_positive),
                func.sum(o.matched),
                func.sum(o.removed),
                func.sum(o.false_positive),
            )
            .where(o.bank_id == target.id)
            .group_by(o.entry_id)
            .order_by(o.entry_id)
        )
        if hashes is not None:
            wanted = self.banks.entry_ids(session, bank, _canonical(hashes))
            if not wanted:
                return []
            query = query.where(o.entry_id.in_(sorted(wanted.values())))
        counted = session.execute(query).all()
        entries = {
            e.id: e for e, _ in self.banks.entries_with_banks(session, [row[0] for row in counted])
        }
        return [
            EntryOutcomes(
                row[0],
                entries[row[0]].signal_type,
                entries[row[0]].value,
                *(int(n or 0) for n in row[1:]),
            )
            for row in counted
            if row[0] in entries
        ]


def _canonical(hashes: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    found = []
    for signal_type, value in hashes:
        try:
            found.append(validate_signal(signal_type, value))
        except SignalError:
            continue  # a hash that cannot be in the bank has no outcomes
    return found
