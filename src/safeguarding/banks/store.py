"""Bank, entry, do-not-match and change-log persistence. Every method takes the session
of the caller's transaction, so a service composes several calls into one commit."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, delete, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from safeguarding.banks import bulk
from safeguarding.banks.model import Bank, BankEntry, NewEntry, is_bank_name
from safeguarding.banks.policy import BankPolicy
from safeguarding.banks.tables import BankChangeRow, BankEntryRow, BankRow, DoNotMatchRow
from safeguarding.errors import ConflictError, NotFoundError
from safeguarding.store.db import insert_for
from safeguarding.store.models import utcnow

BATCH = 1000
#: ids of one run are at most this far apart; runs are used when each covers this many ids
RUN_GAP = 64
RUN_SHARE = 50


def value_digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class Change(NamedTuple):
    """A change-log row as an index replica reads it (a refresh reads 50,000 at a time:
    a named tuple costs a third of a frozen dataclass)."""

    id: int
    op: str
    bank_id: int | None
    entry_id: int | None
    signal_type: str | None


@dataclass(frozen=True)
class LoggedChange:
    """A change with the value it concerns: an add's from its entry (None once the entry
    is gone), a removal's as it was logged; an add's labels."""

    id: int
    op: str
    bank_id: int | None
    entry_id: int | None
    signal_type: str | None
    value: str | None
    labels: list[str]
    at: datetime


@dataclass(frozen=True)
class DoNotMatch:
    id: int
    signal_type: str
    value: str
    reason: str
    added_by: str


def _bank(row: BankRow, count: int = 0) -> Bank:
    return Bank(
        id=row.id,
        name=row.name,
        description=row.description,
        source=row.source,
        enabled=row.enabled,
        policy=BankPolicy.from_json(row.action, row.policies),
        labels=list(row.labels),
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        entry_count=count,
    )


def _entry(row: BankEntryRow, bank_name: str) -> BankEntry:
    return BankEntry(
        id=row.id,
        bank_id=row.bank_id,
        bank_name=bank_name,
        signal_type=row.signal_type,
        value=row.value,
        quality=row.quality,
        labels=list(row.labels),
        metadata=dict(row.extra),
        source_ref=row.source_ref,
        added_by=row.added_by,
        added_at=row.added_at,
    )


def _runs(ids: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted ids as (first, last) runs of ids at most RUN_GAP apart."""
    runs: list[tuple[int, int]] = []
    for entry_id in ids:
        if runs and entry_id - runs[-1][1] <= RUN_GAP:
            runs[-1] = (runs[-1][0], entry_id)
        else:
            runs.append((entry_id, entry_id))
    return runs


class BankStore:
    # --- banks -------------------------------------------------------------------------
    def create(
        self,
        session: Session,
        *,
        name: str,
        description: str,
        source: str,
        policy: BankPolicy,
        labels: list[str],
        created_by: str,
    ) -> Bank:
        # every registered type's settings written out: a later change of a default
        # never changes an existing bank
        policy = policy.complete()
        row = BankRow(
            name=name,
            description=description,
            source=source,
            enabled=True,
            action=policy.action.value,
            policies=policy.to_json(),
            labels=labels,
            created_by=created_by,
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            raise ConflictError(f"bank {name!r} already exists") from None
        self._log(session, [{"op": "bank", "bank_id": row.id}])
        return _bank(row)

    def _row(self, session: Session, name: str, *, lock: bool = False) -> BankRow:
        if not is_bank_name(name):  # cannot exist; and PostgreSQL refuses NUL in a query
            raise NotFoundError(f"bank {str(name)[:120]!r} not found")
        query = select(BankRow).where(BankRow.name == name)
        if lock and session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        row = session.scalars(query).one_or_none()
        if row is None:
            raise NotFoundError(f"bank {name!r} not found")
        return row

    def get(self, session: Session, name: str, *, count: bool = True) -> Bank:
        """The bank; with `count=False` its entry_count is left 0 (counting a million
        entries is a tenth of a second: not for every page of its feed)."""
        row = self._row(session, name)
        if not count:
            return _bank(row)
        entries = session.scalar(select(func.count()).where(BankEntryRow.bank_id == row.id))
        return _bank(row, entries or 0)

    def all(self, session: Session) -> list[Bank]:
        # dict(result) would treat the Result as a mapping (it has .keys())
        counts = {  # noqa: C416
            bank_id: count
            for bank_id, count in session.execute(
                select(BankEntryRow.bank_id, func.count()).group_by(BankEntryRow.bank_id)
            )
        }
        rows = session.scalars(select(BankRow).order_by(BankRow.name))
        return [_bank(row, counts.get(row.id, 0)) for row in rows]

    def update(self, session: Session, name: str, changes: dict[str, Any]) -> Bank:
        """Set columns by name; `policy` (a BankPolicy) sets the action and the settings."""
        row = self._row(session, name, lock=True)
        for key, value in changes.items():
            if key == "policy":
                row.action, row.policies = value.action.value, value.to_json()
            else:
                setattr(row, key, value)
        row.updated_at = utcnow()
        session.flush()
        self._log(session, [{"op": "bank", "bank_id": row.id}])
        return self.get(session, name)

    def delete(self, session: Session, name: str) -> None:
        row = self._row(session, name, lock=True)
        session.execute(
            insert(BankChangeRow).from_select(
                ["op", "bank_id", "entry_id", "signal_type", "value", "at"],
                select(
                    literal("remove"),
                    BankEntryRow.bank_id,
                    BankEntryRow.id,
                    BankEntryRow.signal_type,
                    BankEntryRow.value,
                    literal(utcnow()),
                ).where(BankEntryRow.bank_id == row.id),
            )
        )
        session.execute(delete(BankEntryRow).where(BankEntryRow.bank_id == row.id))
        session.delete(row)
        self._log(session, [{"op": "bank", "bank_id": row.id}])

    # --- entries -----------------------------------------------------------------------
    def add_entries(
        self, session: Session, bank_name: str, entries: Iterable[NewEntry], added_by: str
    ) -> tuple[int, int]:
        """Insert entries not already in the bank. Returns (added, already present)."""
        bank = self._row(session, bank_name, lock=True)  # serialises imports into one bank
        added = seen = 0
        batch: list[dict[str, Any]] = []
        now = utcnow()  # one time for the call: every entry is added in one transaction
        for entry in entries:
            batch.append(
                {
                    "bank_id": bank.id,
                    "signal_type": entry.signal_type,
                    "value": entry.value,
                    "value_digest": value_digest(entry.value),
                    "quality": entry.quality,
                    "labels": entry.labels,
                    "metadata": entry.metadata,
                    "source_ref": entry.source_ref,
                    "added_by": added_by,
                    "added_at": now,
                }
            )
            if len(batch) >= BATCH:
                added += self._insert_batch(session, bank.id, batch)
                seen += len(batch)
                batch = []
        if batch:
            added += self._insert_batch(session, bank.id, batch)
            seen += len(batch)
        return added, seen - added

    def add_listed(
        self, session: Session, bank_name: str, entries: Sequence[NewEntry], added_by: str
    ) -> tuple[int, dict[tuple[str, str], int]]:
        """Insert the entries the bank lacks, set-based (banks/bulk.py), and return (how many
        were added, the id of every entry given by (signal type, value)). Entries must be
        distinct by (signal type, value), values canonical."""
        bank = self._row(session, bank_name, lock=True)  # serialises imports into one bank
        if not entries:
            return 0, {}
        added, _ = self.add_page(
            session,
            bank_name,
            [
                (
                    e.signal_type,
                    e.value,
                    value_digest(e.value),
                    json.dumps(e.labels) if e.labels else "[]",
                    e.source_ref,
                )
                for e in entries
            ],
            added_by,
        )
        return added, bulk.staged_ids(session, bank.id)

    def add_page(
        self,
        session: Session,
        bank_name: str,
        rows: Iterable[bulk.StagedEntry],
        added_by: str,
    ) -> tuple[int, Select[Any]]:
        """An exchange's page: insert the entries the bank lacks (rows: signal type,
        canonical value, `value_digest`, labels as JSON text, source reference; distinct by
        type and value) and log them. Returns how many were added and a query of every row's
        (entry id, source reference, labels), valid until the transaction's next page, for
        the caller to record what it knows about them in the same transaction."""
        bank = self._row(session, bank_name, lock=True)  # serialises imports into one bank
        bulk.stage(session, rows)
        added = bulk.insert_staged(session, bank.id, added_by, utcnow())
        return added, bulk.page_entries(session, bank.id)

    def _insert_batch(self, session: Session, bank_id: int, rows: list[dict[str, Any]]) -> int:
        table = BankEntryRow.__table__
        # one statement run over the rows (SQLAlchemy batches them into multi-row INSERTs):
        # compiled once and cached, where .values(rows) compiled 1,000 rows' SQL each time
        statement = (
            insert_for(session)(table)
            .on_conflict_do_nothing(index_elements=["bank_id", "signal_type", "value_digest"])
            .returning(table.c.id, table.c.signal_type)
        )
        inserted = session.execute(statement, rows).all()
        self._log(
            session,
            [
                {"op": "add", "bank_id": bank_id, "entry_id": i, "signal_type": t}
                for i, t in inserted
            ],
        )
        return len(inserted)

    def remove_entries(self, session: Session, bank_name: str, entry_ids: Sequence[int]) -> int:
        """Remove the bank's entries among `entry_ids` (others are ignored): how many."""
        if not entry_ids:
            return 0
        self._row(session, bank_name, lock=True)
        return self.remove_selected(session, bank_name, bulk.stage_ids(session, entry_ids))

    def remove_selected(
        self,
        session: Session,
        bank_name: str,
        selected: Select[Any],
        *,
        added_by_prefix: str | None = None,
    ) -> int:
        """Remove the bank's entries whose ids `selected` selects (one column; staged ids,
        `select_values`, narrowed by the caller), and only those an actor named
        `added_by_prefix...` added if given: one DELETE ... RETURNING, the removals (with
        the values they remove, for feeds' tombstones) logged in one statement. How many."""
        bank = self._row(session, bank_name, lock=True)
        c = BankEntryRow
        # correlate(None): the query is whole in itself, even where it names bank_entries
        where = [c.bank_id == bank.id, c.id.in_(selected.correlate(None))]
        if added_by_prefix is not None:
            where.append(c.added_by.startswith(added_by_prefix, autoescape=True))
        gone = sorted(
            session.execute(delete(c).where(*where).returning(c.id, c.signal_type, c.value)).all()
        )
        self._log(
            session,
            [
                {"op": "remove", "bank_id": bank.id, "entry_id": i, "signal_type": t, "value": v}
                for i, t, v in gone
            ],
        )
        return len(gone)

    def select_ids(self, session: Session, entry_ids: Iterable[int]) -> Select[Any]:
        """A query of these entry ids (one column), staged in this transaction until the
        next call, for `remove_selected` narrowed by the caller."""
        return bulk.stage_ids(session, entry_ids)

    def select_values(
        self, session: Session, bank_name: str, values: Sequence[tuple[str, str]]
    ) -> Select[Any]:
        """A query of the ids of the bank's entries with these (signal type, canonical
        value)s (one column), staged in this transaction until the next call."""
        bank = self._row(session, bank_name)
        return bulk.stage_digests(session, bank.id, {(t, value_digest(v)) for t, v in values})

    def entry_ids(
        self, session: Session, bank_name: str, values: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], int]:
        """The ids of the bank's entries with these (signal type, canonical value)s."""
        bank = self._row(session, bank_name)
        by_type: dict[str, dict[str, str]] = {}
        for signal_type, value in values:
            by_type.setdefault(signal_type, {})[value_digest(value)] = value
        found: dict[tuple[str, str], int] = {}
        for signal_type, digests in by_type.items():
            wanted = list(digests)
            for start in range(0, len(wanted), BATCH):
                rows = session.execute(  # the unique index (bank, type, digest) finds them
                    select(BankEntryRow.id, BankEntryRow.value_digest).where(
                        BankEntryRow.bank_id == bank.id,
                        BankEntryRow.signal_type == signal_type,
                        BankEntryRow.value_digest.in_(wanted[start : start + BATCH]),
                    )
                )
                for entry_id, digest in rows:
                    found[(signal_type, digests[digest])] = entry_id
        return found

    def forget_removed_values(
        self, session: Session, bank_names: Sequence[str], before: datetime
    ) -> int:
        """Clear the values the change log keeps of entries removed from these banks before
        `before` (a feed's tombstones name them; indexes follow entry ids alone): how many
        were cleared. A subscriber that had not fetched since misses those tombstones."""
        ids = list(session.scalars(select(BankRow.id).where(BankRow.name.in_(bank_names))))
        if not ids:
            return 0
        cleared = session.execute(
            update(BankChangeRow)
            .where(
                BankChangeRow.op == "remove",
                BankChangeRow.bank_id.in_(ids),
                BankChangeRow.at < before,
                BankChangeRow.value.is_not(None),
            )
            .values(value=None)
        )
        return int(cleared.rowcount)  # type: ignore[attr-defined]

    def remove_digests(
        self, session: Session, bank_name: str, digests: Sequence[tuple[str, str]]
    ) -> int:
        """Remove the entries with these (signal type, `value_digest`) pairs."""
        if not digests:
            return 0
        bank = self._row(session, bank_name, lock=True)
        return self.remove_selected(
            session, bank_name, bulk.stage_digests(session, bank.id, set(digests))
        )

    def entries_with_digests(
        self, session: Session, bank_name: str, digests: Sequence[tuple[str, str]]
    ) -> list[BankEntry]:
        """The bank's entries with these (signal type, `value_digest`) pairs."""
        bank = self._row(session, bank_name)
        if not digests:
            return []
        wanted = bulk.stage_digests(session, bank.id, set(digests))
        return [
            _entry(row, bank.name)
            for row in session.scalars(
                select(BankEntryRow)
                .where(BankEntryRow.id.in_(wanted.correlate(None)))
                .order_by(BankEntryRow.id)
            )
        ]

    def entries(
        self,
        session: Session,
        bank_name: str,
        *,
        after_id: int = 0,
        limit: int = 100,
        signal_type: str | None = None,
    ) -> list[BankEntry]:
        bank = self._row(session, bank_name)
        query = (
            select(BankEntryRow)
            .where(BankEntryRow.bank_id == bank.id, BankEntryRow.id > after_id)
            .order_by(BankEntryRow.id)
            .limit(limit)
        )
        if signal_type:
            query = query.where(BankEntryRow.signal_type == signal_type)
        return [_entry(row, bank.name) for row in session.scalars(query)]

    def iter_entries(self, session: Session, bank_name: str) -> Iterator[BankEntry]:
        after = 0
        while page := self.entries(session, bank_name, after_id=after, limit=BATCH):
            yield from page
            after = page[-1].id

    def entries_with_banks(
        self, session: Session, entry_ids: Iterable[int]
    ) -> list[tuple[BankEntry, Bank]]:
        """The live entries among `entry_ids` with their banks (for turning hits into matches)."""
        ids = list(entry_ids)
        result: list[tuple[BankEntry, Bank]] = []
        banks: dict[int, Bank] = {}  # a bank's policy is read once, however many hits
        for start in range(0, len(ids), BATCH):
            rows = session.execute(
                select(BankEntryRow, BankRow)
                .join(BankRow, BankRow.id == BankEntryRow.bank_id)
                .where(BankEntryRow.id.in_(ids[start : start + BATCH]))
            )
            for e, b in rows:
                if b.id not in banks:
                    banks[b.id] = _bank(b)
                result.append((_entry(e, b.name), banks[b.id]))
        return result

    def index_values(
        self, session: Session, signal_type: str, entry_ids: Iterable[int] | None = None
    ) -> Iterator[tuple[int, str]]:
        """(entry id, value) of a signal type, streamed: all entries, or the given ones."""
        c = BankEntryRow
        query = select(c.id, c.value).where(c.signal_type == signal_type)
        if entry_ids is None:
            for entry_id, value in session.execute(query.execution_options(yield_per=10_000)):
                yield entry_id, value
            return
        wanted = sorted(set(entry_ids))
        runs = _runs(wanted)
        if len(runs) * RUN_SHARE > len(wanted):  # scattered ids: looked up a batch at a time
            for start in range(0, len(wanted), BATCH):
                chunk = wanted[start : start + BATCH]
                for entry_id, value in session.execute(query.where(c.id.in_(chunk))):
                    yield entry_id, value
            return
        # mostly runs of neighbouring ids (an exchange's page, an import): a range scan of
        # the primary key per run instead of a lookup per id; the type is checked here, as
        # a condition on it could make SQLite walk the type's index instead
        keep = set(wanted)
        for low, high in runs:
            rows = session.execute(
                select(c.id, c.signal_type, c.value).where(c.id >= low, c.id <= high)
            )
            yield from [(i, v) for i, kind, v in rows if kind == signal_type and i in keep]

    # --- do-not-match ------------------------------------------------------------------
    def add_do_not_match(
        self, session: Session, signal_type: str, value: str, reason: str, added_by: str
    ) -> DoNotMatch:
        table = DoNotMatchRow.__table__
        statement = (
            insert_for(session)(table)
            .values(
                signal_type=signal_type,
                value=value,
                value_digest=value_digest(value),
                reason=reason,
                added_by=added_by,
                added_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["signal_type", "value_digest"])
            .returning(table.c.id)
        )
        new_id = session.execute(statement).scalar()
        if new_id is not None:
            self._log(session, [{"op": "dnm_add", "entry_id": new_id, "signal_type": signal_type}])
        row = session.scalars(
            select(DoNotMatchRow).where(
                DoNotMatchRow.signal_type == signal_type,
                DoNotMatchRow.value_digest == value_digest(value),
            )
        ).one()
        return DoNotMatch(row.id, row.signal_type, row.value, row.reason, row.added_by)

    def remove_do_not_match(self, session: Session, dnm_id: int) -> None:
        row = session.get(DoNotMatchRow, dnm_id)
        if row is None:
            raise NotFoundError(f"do-not-match entry {dnm_id} not found")
        session.delete(row)
        self._log(
            session, [{"op": "dnm_remove", "entry_id": dnm_id, "signal_type": row.signal_type}]
        )

    def list_do_not_match(self, session: Session) -> list[DoNotMatch]:
        rows = session.scalars(select(DoNotMatchRow).order_by(DoNotMatchRow.id))
        return [DoNotMatch(r.id, r.signal_type, r.value, r.reason, r.added_by) for r in rows]

    def do_not_match_values(
        self, session: Session, signal_type: str, ids: Iterable[int] | None = None
    ) -> list[tuple[int, str]]:
        query = select(DoNotMatchRow.id, DoNotMatchRow.value).where(
            DoNotMatchRow.signal_type == signal_type
        )
        if ids is not None:
            query = query.where(DoNotMatchRow.id.in_(list(ids)))
        return [(dnm_id, value) for dnm_id, value in session.execute(query)]

    # --- change log --------------------------------------------------------------------
    def _log(self, session: Session, changes: list[dict[str, Any]]) -> None:
        if changes:
            now = utcnow()
            session.execute(insert(BankChangeRow), [{"at": now, **c} for c in changes])

    def changes_since(
        self, session: Session, after_id: int, limit: int = 50_000, also: Iterable[int] = ()
    ) -> list[Change]:
        query = select(BankChangeRow).where(BankChangeRow.id > after_id)
        extra = list(also)
        if extra:
            query = select(BankChangeRow).where(
                (BankChangeRow.id > after_id) | BankChangeRow.id.in_(extra)
            )
        c = BankChangeRow
        rows = session.execute(  # columns, not ORM objects: a refresh may read 50,000
            query.with_only_columns(c.id, c.op, c.bank_id, c.entry_id, c.signal_type)
            .order_by(c.id)
            .limit(limit)
        )
        return list(map(Change._make, rows))

    def changes_with_values(
        self, session: Session, after_id: int, limit: int
    ) -> list[LoggedChange]:
        """Changes after `after_id` in id order, with the value each concerns."""
        return list(self.iter_changes_with_values(session, after_id, limit))

    def iter_changes_with_values(
        self, session: Session, after_id: int, limit: int
    ) -> Generator[LoggedChange]:
        """`changes_with_values`, streamed: a feed page stops reading once it is full
        (of the up to 40,000 rows it may scan, usually after the first 10,000)."""
        c = BankChangeRow
        rows = session.execute(  # columns, not ORM objects
            select(
                c.id,
                c.op,
                c.bank_id,
                c.entry_id,
                c.signal_type,
                c.value,
                c.at,
                BankEntryRow.value,
                BankEntryRow.labels,
            )
            .outerjoin(BankEntryRow, (c.op == "add") & (BankEntryRow.id == c.entry_id))
            .where(c.id > after_id)
            .order_by(c.id)
            .limit(limit)
            .execution_options(yield_per=5_000)
        )
        try:
            for i, op, bank_id, entry_id, signal_type, removed, at, value, labels in rows:
                yield LoggedChange(
                    i,
                    op,
                    bank_id,
                    entry_id,
                    signal_type,
                    value if op == "add" else removed,
                    list(labels or []),
                    at,
                )
        finally:
            rows.close()  # a page that stops early leaves no cursor open

    def last_change_id(self, session: Session) -> int:
        return session.scalar(select(func.max(BankChangeRow.id))) or 0

    def enabled_policies(self, session: Session) -> list[BankPolicy]:
        """The policies of the enabled banks (what the indexes must search for)."""
        rows = session.execute(
            select(BankRow.action, BankRow.policies).where(BankRow.enabled.is_(True))
        )
        return [BankPolicy.from_json(action, policies) for action, policies in rows]
