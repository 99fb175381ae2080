"""Listings: which upstream entry of an exchange lists which bank entry, for kinds whose
tombstones name an upstream entry, not a hash (NCMEC). A hash several upstream entries list
(two members sharing one image) stays claimed until the last of them is deleted. Methods
take the caller's session (the page's transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, delete, exists, literal, select
from sqlalchemy.orm import Session

from safeguarding.exchanges.tables import ExchangeListingRow
from safeguarding.store import staging
from safeguarding.store.db import insert_for

_UPSTREAM_IDS = (("upstream_id", "VARCHAR(200)"),)
_IDS = (("id", "BIGINT"),)


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
    ) -> Select[Any]:
        """Forget these upstream entries (one DELETE ... RETURNING); a query (one column,
        staged until the transaction's next call) of the bank entries that no upstream entry
        of this exchange lists any more: their claims are to be withdrawn."""
        named = staging.stage(
            session, "staged_upstream_ids", _UPSTREAM_IDS, ((u,) for u in set(upstream_ids))
        )
        listing = ExchangeListingRow
        touched = session.scalars(
            delete(listing)
            .where(
                listing.exchange_id == exchange_id,
                listing.upstream_id.in_(select(named.c.upstream_id)),
            )
            .returning(listing.entry_id)
        )
        ids = staging.stage(session, "staged_listed_ids", _IDS, ((i,) for i in set(touched)))
        return select(ids.c.id).where(
            ~exists().where(listing.exchange_id == exchange_id, listing.entry_id == ids.c.id)
        )
