"""Match counters: how much content was checked and what came of it, per minute, kept so a
transparency report can be summed in SQL without a row per upload.

Each checked item adds 1 to three kinds of row, all in the minute it was checked (UTC):

    bank  signal_type  outcome
    *     *            the item's: its most severe action, else suppressed, else no_match
    *     T            per signal type T it carried: the most severe action of its T
                       matches, else suppressed (T's do-not-match entry), else no_match
    B     T            per bank B it matched through type T: B's action for it

So the items checked are the `*`/`*` rows, content hashed per signal type the `*`/T rows,
and matches per source list and type the B/T rows; each also per surface. Bank names never
start with a letter or digit and signal type names are lower-case words, so `*` is never
either.

A request's counts are summed here first (`Tally`). Counts that go with a case are written
in its transaction; the others a process gathers and writes every `counter_flush_seconds`
(`MatchCounters.add`) with one statement, an upsert of a few rows sorted by key (so
concurrent writers on PostgreSQL take the rows' locks in one order and never deadlock).
Writing them with each request made every process update the same few rows many times a
second, and that write was the largest cost of a pre-hashed match under load
(docs/benchmarks.md, "Many processes"). The price: a process killed outright loses the
counts of its last interval; a clean stop writes them, and every read here writes this
process's first. However many items are matched, the table holds at most
minutes x (banks + 1) x (types + 1) x surfaces x outcomes rows."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Executable, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from safeguarding.banks.model import Action
from safeguarding.insights.tables import MatchCountRow
from safeguarding.matching.result import MatchResult
from safeguarding.reporting.ncmec import CHAT_SURFACES
from safeguarding.store.db import Database
from safeguarding.store.models import utcnow
from safeguarding.store.periods import Period, dialect_of, period_of

log = logging.getLogger(__name__)
#: the bank or signal type of a row that counts across all of them
ALL = "*"
#: rows per statement: far under SQLite's limit on bound parameters (6 a row)
_CHUNK = 500


class Surface(StrEnum):
    """Where on the platform the content was posted: a closed set, so the counters stay
    compact. Stored (`match_counts.surface`): the values are persistent keys."""

    PROFILE_PHOTO = "profile_photo"
    PUBLIC_POST = "public_post"
    COMMENT = "comment"
    STORY = "story"
    MESSAGE = "message"
    LIVE_STREAM = "live_stream"
    OTHER = "other"  # a surface named that is none of the above
    UNSPECIFIED = "unspecified"  # none named


class Outcome(StrEnum):
    """What came of checking an item. Stored (`match_counts.outcome`): persistent keys."""

    NO_MATCH = "no_match"
    SUPPRESSED = "suppressed"  # matched only what the do-not-match list rules out
    REVIEW = "review"
    BLOCK = "block"
    REPORT = "report"


_SEVERITY = (Action.REPORT, Action.BLOCK, Action.REVIEW)


def surface_of(text: str | None) -> Surface:
    """The counted surface of an upload's `surface` field. The field stays free text for
    reports to authorities (cases/uploads.py); the messaging spellings those reports treat
    as chats count as `message`, and any other value outside the set as `other`."""
    if text is None:
        return Surface.UNSPECIFIED
    name = text.strip().lower()
    if name in CHAT_SURFACES:
        return Surface.MESSAGE
    try:
        return Surface(name)
    except ValueError:
        return Surface.OTHER


def _utc(at: datetime) -> datetime:
    """Every stored minute is UTC (SQLite keeps no offset): a naive time is taken as UTC."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _outcome(actions: Iterable[Action], suppressed: bool) -> Outcome:
    present = set(actions)
    for action in _SEVERITY:
        if action in present:
            return Outcome(action.value)
    return Outcome.SUPPRESSED if suppressed else Outcome.NO_MATCH


Key = tuple[datetime, str, str, str, str]


class Tally:
    """Counts not yet written: what one request (or one case's item) adds."""

    def __init__(self) -> None:
        self.counts: Counter[Key] = Counter()

    def __bool__(self) -> bool:
        return bool(self.counts)

    def add(
        self,
        result: MatchResult,
        signal_types: Iterable[str],
        surface: Surface = Surface.UNSPECIFIED,
        at: datetime | None = None,
    ) -> None:
        """One item checked with `signal_types`, and its result."""
        minute = _utc(at or utcnow()).replace(second=0, microsecond=0)
        types = set(signal_types)
        suppressed = set(result.suppressed)
        where = (minute, surface.value)
        item = _outcome((m.action for m in result.matches), bool(suppressed))
        self._add(where, ALL, ALL, item)
        for kind in sorted(types):
            actions = (m.action for m in result.matches if m.signal_type == kind)
            self._add(where, ALL, kind, _outcome(actions, kind in suppressed))
        for bank, kind, action in {(m.bank, m.signal_type, m.action) for m in result.matches}:
            self._add(where, bank, kind, Outcome(action.value))

    def _add(self, where: tuple[datetime, str], bank: str, kind: str, outcome: Outcome) -> None:
        minute, surface = where
        self.counts[(minute, bank, kind, surface, outcome.value)] += 1

    def merge(self, other: Tally) -> None:
        self.counts.update(other.counts)

    def rows(self) -> list[dict[str, object]]:
        return [
            {
                "minute": minute,
                "bank": bank,
                "signal_type": kind,
                "surface": surface,
                "outcome": outcome,
                "total": total,
            }
            for (minute, bank, kind, surface, outcome), total in sorted(self.counts.items())
        ]


def _upsert(dialect: str, rows: list[dict[str, object]]) -> Executable:
    """INSERT ... ON CONFLICT (the key) DO UPDATE SET total = total + the new count."""
    table: Table = MatchCountRow.__table__  # type: ignore[assignment]
    key = list(table.primary_key.columns)
    if dialect == "postgresql":
        pg = postgresql.insert(table).values(rows)
        return pg.on_conflict_do_update(
            index_elements=key, set_={"total": table.c.total + pg.excluded.total}
        )
    lite = sqlite.insert(table).values(rows)
    return lite.on_conflict_do_update(
        index_elements=key, set_={"total": table.c.total + lite.excluded.total}
    )


class MatchCounters:
    """Writes tallies (in the caller's transaction, in one of its own, or gathered and
    written every `flush_seconds` by a thread of its own) and reads them."""

    def __init__(self, db: Database, flush_seconds: float = 0.0) -> None:
        self.db = db
        self.flush_seconds = flush_seconds
        self._pending = Tally()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._flusher: threading.Thread | None = None

    def add(self, tally: Tally) -> None:
        """Count `tally`: written within `flush_seconds` (now, when that is 0 or after
        `close`)."""
        if not tally:
            return
        if self.flush_seconds <= 0 or self._closed.is_set():
            self.record(tally)
            return
        with self._lock:
            self._pending.merge(tally)
            if self._flusher is None:
                self._flusher = threading.Thread(
                    target=self._flush_every, name="match-counters", daemon=True
                )
                self._flusher.start()

    def flush(self) -> None:
        """Write the gathered counts now. If the write fails they stay gathered for the next
        one (a database restarting loses none), and the error is raised."""
        with self._lock:
            tally, self._pending = self._pending, Tally()
        try:
            self.record(tally)
        except BaseException:
            with self._lock:
                self._pending.merge(tally)
            raise

    def _flush_every(self) -> None:
        while not self._closed.wait(self.flush_seconds):
            try:
                self.flush()
            except Exception:  # kept for the next interval; the process goes on matching
                log.warning("match counts not written; retrying", exc_info=True)

    def close(self) -> None:
        """Stop the thread and write what is gathered (a clean stop loses no count)."""
        self._closed.set()
        if self._flusher is not None:
            self._flusher.join()
        self.flush()

    def write(self, session: Session, tally: Tally) -> None:
        """Add `tally` in the caller's transaction: one upsert statement (per 500 rows).
        Call it last in a transaction, so the counter rows' locks are held briefly."""
        rows = tally.rows()
        dialect = session.get_bind().dialect.name
        for start in range(0, len(rows), _CHUNK):
            session.execute(_upsert(dialect, rows[start : start + _CHUNK]))

    def record(self, tally: Tally) -> None:
        """Add `tally` in a transaction of its own (nothing when it is empty)."""
        if tally:
            with self.db.write() as session:
                self.write(session, tally)

    def totals(
        self, session: Session, start: datetime, end: datetime
    ) -> Iterator[tuple[str, str, str, str, int]]:
        """(bank, signal_type, surface, outcome, total) summed over [start, end), in SQL."""
        self.flush()
        row = MatchCountRow
        query = (
            select(row.bank, row.signal_type, row.surface, row.outcome, func.sum(row.total))
            .where(row.minute >= _utc(start), row.minute < _utc(end))
            .group_by(row.bank, row.signal_type, row.surface, row.outcome)
            .order_by(row.bank, row.signal_type, row.surface, row.outcome)
        )
        for bank, kind, surface, outcome, total in session.execute(query):
            yield bank, kind, surface, outcome, int(total)

    def summed(
        self, session: Session, start: datetime, end: datetime, by: Period
    ) -> dict[tuple[str, str, str, str, str], int]:
        """(period, bank, signal_type, surface, outcome) -> items, summed in SQL over
        [start, end) (a minute belongs to the period it starts in)."""
        self.flush()
        row = MatchCountRow
        period = period_of(dialect_of(session), row.minute, by)
        keys = (period, row.bank, row.signal_type, row.surface, row.outcome)
        query = (
            select(*keys, func.sum(row.total))
            .where(row.minute >= _utc(start), row.minute < _utc(end))
            .group_by(*keys)
        )
        return {(p, b, t, s, o): int(n) for p, b, t, s, o, n in session.execute(query)}

    def stored_rows(self, session: Session) -> int:
        """How many counter rows the table holds (what the bound above limits)."""
        self.flush()
        return int(session.scalar(select(func.count()).select_from(MatchCountRow)) or 0)
