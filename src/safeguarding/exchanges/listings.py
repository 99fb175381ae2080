"""Listings: which upstream entry of an exchange lists which bank entry, for kinds whose
tombstones name an upstream entry, not a hash (NCMEC). A hash several upstream entries list
(two members sharing one image) stays claimed until the last of them is deleted. Methods
take the caller's session (the page's transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, delete, literal, select
from sqlalchemy.orm import Session

from safeguarding.exchanges.tables import ExchangeListingRow
from safeguarding.store.db import insert_for

BATCH = 1000


class ListingStore:
    def record_selected(self, session: Session, exchange_id: int, listed: Select[Any]) -> None:
        """The (entry id, upstream id, ...) rows `listed` selects (the page's entries,
        `BankStore.add_page`), as listed by the exchange now; known pairs are kept."""
        rows = listed.subquery()
        entry_id, upstream_id = rows.c[0], rows.c[1]
        statement = (
            insert_for(session)(ExchangeListingRow.__table__)
            .from_select(
                ["exchange_id", "upstream_id", "entry_id"],
                select(literal(exchange_id), upstream_id, entry_id).where(upstream_id.is_not(None)),
            )
            .on_conflict_do_nothing()
        )
        session.execute(statement)

    def withdraw(
        self, session: Session, exchange_id: int, upstream_ids: Sequence[str]
    ) -> list[int]:
        """Forget these upstream entries; the bank entries that no upstream entry of this
        exchange lists any more (their claims are to be withdrawn)."""
        touched: set[int] = set()
        for start in range(0, len(upstream_ids), BATCH):
            named = (
                ExchangeListingRow.exchange_id == exchange_id,
                ExchangeListingRow.upstream_id.in_(upstream_ids[start : start + BATCH]),
            )
            touched.update(session.scalars(select(ExchangeListingRow.entry_id).where(*named)))
            session.execute(delete(ExchangeListingRow).where(*named))
        ids = sorted(touched)
        still: set[int] = set()
        for start in range(0, len(ids), BATCH):
            still.update(
                session.scalars(
                    select(ExchangeListingRow.entry_id)
                    .where(
                        ExchangeListingRow.exchange_id == exchange_id,
                        ExchangeListingRow.entry_id.in_(ids[start : start + BATCH]),
                    )
                    .distinct()
                )
            )
        return [i for i in ids if i not in still]
