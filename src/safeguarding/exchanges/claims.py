"""Claims: which exchange lists which bank entry, with the upstream's id and labels, and
when it first and last listed it. Methods take the caller's session."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Select, delete, exists, func, literal, select, true
from sqlalchemy.orm import Session

from safeguarding.exchanges.tables import ExchangeClaimRow
from safeguarding.store.db import insert_for

BATCH = 1000


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


class ClaimStore:
    def claim(self, session: Session, exchange_id: int, listed: Select[Any], now: datetime) -> None:
        """Record the entries `listed` selects, as (entry id, upstream id, labels), as listed
        by the exchange now: one upsert from the query (BankStore.add_page's), nothing
        through Python."""
        rows = listed.subquery()
        entry_id, upstream_id, labels = rows.c
        at = literal(now, DateTime(timezone=True))
        statement = insert_for(session)(ExchangeClaimRow.__table__).from_select(
            ["exchange_id", "entry_id", "upstream_id", "labels", "first_seen", "last_seen"],
            # no ORDER BY: SQLite would satisfy it by walking the whole bank in id order
            # (the page arrives in digest order, new entries' ids ascending: bulk.stage)
            select(literal(exchange_id), entry_id, upstream_id, labels, at, at).where(true()),
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["exchange_id", "entry_id"],
                set_={
                    "last_seen": statement.excluded.last_seen,
                    "upstream_id": statement.excluded.upstream_id,
                    "labels": statement.excluded.labels,
                },
            )
        )

    def withdraw(self, session: Session, exchange_id: int, entry_ids: Select[Any]) -> None:
        """Withdraw the exchange's claims on the entries `entry_ids` selects (one column;
        staged: `BankStore.select_values`, `ListingStore.withdraw`): one DELETE."""
        session.execute(
            delete(ExchangeClaimRow).where(
                ExchangeClaimRow.exchange_id == exchange_id,
                ExchangeClaimRow.entry_id.in_(entry_ids.correlate(None)),
            )
        )

    def withdraw_unseen(self, session: Session, exchange_id: int, before: datetime) -> list[int]:
        """Withdraw the exchange's claims last listed before `before`; their entry ids."""
        return list(
            session.scalars(
                delete(ExchangeClaimRow)
                .where(
                    ExchangeClaimRow.exchange_id == exchange_id,
                    ExchangeClaimRow.last_seen < before,
                )
                .returning(ExchangeClaimRow.entry_id)
            )
        )

    def withdraw_all(self, session: Session, exchange_id: int) -> list[int]:
        return self.withdraw_unseen(session, exchange_id, datetime.max)

    @staticmethod
    def unclaimed(entry_ids: Select[Any]) -> Select[Any]:
        """`entry_ids` (a query of one column) narrowed to those no exchange claims."""
        entry_id = entry_ids.selected_columns[0]
        return entry_ids.where(~exists().where(ExchangeClaimRow.entry_id == entry_id))

    def labels(self, session: Session, entry_ids: Sequence[int]) -> dict[int, list[list[str]]]:
        """Per entry among `entry_ids` some exchange claims, each claim's labels."""
        found: dict[int, list[list[str]]] = {}
        for chunk in _chunks(entry_ids):
            for entry_id, labels in session.execute(
                select(ExchangeClaimRow.entry_id, ExchangeClaimRow.labels).where(
                    ExchangeClaimRow.entry_id.in_(chunk)
                )
            ):
                found.setdefault(entry_id, []).append(list(labels or []))
        return found

    def count(self, session: Session, exchange_id: int) -> int:
        return (
            session.scalar(select(func.count()).where(ExchangeClaimRow.exchange_id == exchange_id))
            or 0
        )
