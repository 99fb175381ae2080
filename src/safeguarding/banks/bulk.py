"""Set-based insertion of many entries into one bank, for pages of an exchange (10,000
hashes at a time): the page is copied into a temporary table (store/staging.py), then one
INSERT ... SELECT adds the entries the bank lacks (RETURNING their ids) and one join reads
back the id of every entry of the page, new or already there: a few statements a page
instead of parameters bound row by row and a lookup per thousand.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import JSON, DateTime, Table, and_, cast, column, literal, select, table, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from safeguarding.banks.model import NewEntry
from safeguarding.banks.tables import BankEntryRow
from safeguarding.store import staging

_COLUMNS = (
    ("signal_type", "VARCHAR(20)"),
    ("value", "TEXT"),
    ("value_digest", "VARCHAR(64)"),
    ("labels", "TEXT"),
    ("source_ref", "VARCHAR(200)"),
)
_STAGE = table("staged_entries", *(column(c) for c, _ in _COLUMNS))


def stage(session: Session, entries: Sequence[NewEntry], digests: Sequence[str]) -> None:
    staging.stage(
        session,
        "staged_entries",
        _COLUMNS,
        [
            (
                e.signal_type,
                e.value,
                digest,
                json.dumps(e.labels) if e.labels else "[]",
                e.source_ref,
            )
            for e, digest in zip(entries, digests, strict=True)
        ],
    )


def insert_staged(
    session: Session, bank_id: int, added_by: str, now: datetime
) -> list[tuple[int, str]]:
    """Add the staged entries the bank lacks: their (id, signal type)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    target = typing.cast(Table, BankEntryRow.__table__)
    labels = cast(_STAGE.c.labels, JSON) if postgres else _STAGE.c.labels
    rows = select(
        literal(bank_id),
        _STAGE.c.signal_type,
        _STAGE.c.value,
        _STAGE.c.value_digest,
        labels,
        literal({}, JSON),
        _STAGE.c.source_ref,
        literal(added_by),
        literal(now, DateTime(timezone=True)),
    ).where(true())
    statement = (pg_insert if postgres else sqlite_insert)(target).from_select(
        [
            "bank_id",
            "signal_type",
            "value",
            "value_digest",
            "labels",
            "metadata",
            "source_ref",
            "added_by",
            "added_at",
        ],
        rows,
    )
    statement = statement.on_conflict_do_nothing(
        index_elements=["bank_id", "signal_type", "value_digest"]
    )
    return [
        (i, t) for i, t in session.execute(statement.returning(target.c.id, target.c.signal_type))
    ]


def staged_ids(session: Session, bank_id: int) -> dict[tuple[str, str], int]:
    """The id of every staged entry in the bank, by (signal type, value)."""
    entries = BankEntryRow.__table__
    rows = session.execute(
        select(entries.c.id, _STAGE.c.signal_type, _STAGE.c.value).join_from(
            _STAGE,
            entries,
            and_(
                entries.c.bank_id == bank_id,
                entries.c.signal_type == _STAGE.c.signal_type,
                entries.c.value_digest == _STAGE.c.value_digest,
            ),
        )
    )
    return {(t, v): i for i, t, v in rows}
