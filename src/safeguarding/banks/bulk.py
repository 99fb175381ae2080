"""Set-based insertion of many entries into one bank, for pages of an exchange (10,000 to
50,000 hashes at a time): the page is copied into a temporary table (store/staging.py), then
one INSERT ... SELECT adds the entries the bank lacks and logs them in `bank_changes`
without their ids ever coming back to Python, and the page's entries, new or already there,
are one join away (`page_entries`) for whatever the caller records about them (an
exchange's claims): a few statements a page instead of parameters bound row by row.

The new entries are inserted in digest order: the bank's two unique indexes are on the
digest, and neighbours in the index are written together (fewer pages touched per page of
random hashes).
"""

from __future__ import annotations

import typing
from datetime import datetime
from operator import itemgetter

from sqlalchemy import (
    JSON,
    DateTime,
    Select,
    Table,
    and_,
    cast,
    column,
    func,
    literal,
    select,
    table,
    true,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from safeguarding.banks.tables import BankChangeRow, BankEntryRow
from safeguarding.store import staging

#: one staged entry: (signal type, canonical value, value digest, labels as JSON text,
#: source reference)
StagedEntry = tuple[str, str, str, str, str | None]

_COLUMNS = (
    ("signal_type", "VARCHAR(20)"),
    ("value", "TEXT"),
    ("value_digest", "VARCHAR(64)"),
    ("labels", "TEXT"),
    ("source_ref", "VARCHAR(200)"),
)
_STAGE = table("staged_entries", *(column(c) for c, _ in _COLUMNS))
_ENTRY_COLUMNS = [
    "bank_id",
    "signal_type",
    "value",
    "value_digest",
    "labels",
    "metadata",
    "source_ref",
    "added_by",
    "added_at",
]
_CHANGE_COLUMNS = ["op", "bank_id", "entry_id", "signal_type", "at"]


def stage(session: Session, rows: typing.Iterable[StagedEntry]) -> None:
    """Stage a page; entries must be distinct by (signal type, value), values canonical.
    Staged in digest order, the order the entries are inserted in, so that a join from the
    stage (`page_entries`) meets new entries in ascending id order, and whatever it feeds
    (an exchange's claims, indexed by entry) is appended rather than scattered."""
    staging.stage(session, "staged_entries", _COLUMNS, sorted(rows, key=itemgetter(2)))


def staged_labels(session: Session) -> typing.Any:
    """The staged labels as the JSON the tables hold (PostgreSQL casts the text)."""
    return cast(_STAGE.c.labels, JSON) if staging.is_postgres(session) else _STAGE.c.labels


def insert_staged(session: Session, bank_id: int, added_by: str, now: datetime) -> int:
    """Add the staged entries the bank lacks and log each as an `add`; how many were added.
    The caller holds the bank's row lock (BankStore.add_page), so no other page is added to
    the bank meanwhile."""
    entries = typing.cast(Table, BankEntryRow.__table__)
    changes = typing.cast(Table, BankChangeRow.__table__)
    at = literal(now, DateTime(timezone=True))
    rows = (
        select(
            literal(bank_id),
            _STAGE.c.signal_type,
            _STAGE.c.value,
            _STAGE.c.value_digest,
            staged_labels(session),
            literal({}, JSON),
            _STAGE.c.source_ref,
            literal(added_by),
            at,
        )
        .where(true())
        .order_by(_STAGE.c.value_digest)
    )
    if staging.is_postgres(session):
        # one statement: the inserted rows feed the change log inside the database
        added = (
            pg_insert(entries)
            .from_select(_ENTRY_COLUMNS, rows)
            .on_conflict_do_nothing(index_elements=["bank_id", "signal_type", "value_digest"])
            .returning(entries.c.id, entries.c.signal_type)
            .cte("added")
        )
        logged = (
            changes.insert()
            .from_select(
                _CHANGE_COLUMNS,
                select(
                    literal("add"), literal(bank_id), added.c.id, added.c.signal_type, at
                ).order_by(added.c.id),
            )
            .cte("logged")
        )
        counted = select(func.count()).select_from(added).add_cte(logged)
        return int(session.execute(counted).scalar_one())
    # SQLite has no INSERT inside WITH. It does have one writer at a time (the write
    # transaction began IMMEDIATE) and gives a new row the largest id plus one, so the
    # entries added here are exactly the bank's entries above the largest id before.
    before = session.scalar(select(func.max(entries.c.id))) or 0
    result = session.execute(
        sqlite_insert(entries)
        .from_select(_ENTRY_COLUMNS, rows)
        .on_conflict_do_nothing(index_elements=["bank_id", "signal_type", "value_digest"])
    )
    added_count = int(typing.cast(typing.Any, result).rowcount)
    if added_count:
        session.execute(
            changes.insert().from_select(
                _CHANGE_COLUMNS,
                select(literal("add"), literal(bank_id), entries.c.id, entries.c.signal_type, at)
                .where(entries.c.id > before, entries.c.bank_id == bank_id)
                .order_by(entries.c.id),
            )
        )
    return added_count


_IDS = (("id", "BIGINT"),)
_DIGESTS = (("signal_type", "VARCHAR(20)"), ("value_digest", "VARCHAR(64)"))


def stage_ids(session: Session, ids: typing.Iterable[int]) -> Select[typing.Any]:
    """Stage entry ids; a query of them (one column), for a statement that acts on the
    entries set-based (`BankStore.remove_selected`)."""
    staged = staging.stage(session, "staged_ids", _IDS, ((i,) for i in ids))
    return select(staged.c.id)


def stage_digests(
    session: Session, bank_id: int, pairs: typing.Iterable[tuple[str, str]]
) -> Select[typing.Any]:
    """Stage (signal type, value digest) pairs; a query of the ids of the bank's entries
    with them (one column), found through the bank's unique index."""
    staged = staging.stage(session, "staged_digests", _DIGESTS, pairs)
    return _entry_ids(staged, bank_id, "id")


def _in_bank(bank_id: int) -> Select[typing.Any]:
    return _entry_ids(_STAGE, bank_id, "entry_id")


def _entry_ids(staged: typing.Any, bank_id: int, label: str) -> Select[typing.Any]:
    """The ids (as `label`) of the bank's entries with a staged (signal type, value digest)
    pair: a join on the bank's unique index."""
    entries = BankEntryRow.__table__
    return select(entries.c.id.label(label)).join_from(
        staged,
        entries,
        and_(
            entries.c.bank_id == bank_id,
            entries.c.signal_type == staged.c.signal_type,
            entries.c.value_digest == staged.c.value_digest,
        ),
    )


def page_entries(session: Session, bank_id: int) -> Select[typing.Any]:
    """(entry id, staged source reference, staged labels) of every staged entry in the
    bank, new or already there."""
    return _in_bank(bank_id).add_columns(_STAGE.c.source_ref, staged_labels(session))


def staged_ids(session: Session, bank_id: int) -> dict[tuple[str, str], int]:
    """The id of every staged entry in the bank, by (signal type, value)."""
    rows = session.execute(_in_bank(bank_id).add_columns(_STAGE.c.signal_type, _STAGE.c.value))
    return {(t, v): i for i, t, v in rows}
