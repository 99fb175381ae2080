"""Claims: which exchange lists which bank entry, with the upstream's id and labels, and
when it first and last listed it. Methods take the caller's session."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import JSON, DateTime, cast, delete, func, literal, select, true
from sqlalchemy.orm import Session

from safeguarding.exchanges.tables import ExchangeClaimRow
from safeguarding.store import staging
from safeguarding.store.db import insert_for

BATCH = 1000
_COLUMNS = (("entry_id", "BIGINT"), ("upstream_id", "VARCHAR(200)"), ("labels", "TEXT"))


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


class ClaimStore:
    def claim(
        self,
        session: Session,
        exchange_id: int,
        claims: Sequence[tuple[int, str | None, list[str]]],
        now: datetime,
    ) -> None:
        """Record (entry id, upstream id, labels) as listed by the exchange now."""
        if not claims:
            return
        # set-based: the claims copied into a temporary table, one upsert from it
        stage = staging.stage(
            session,
            "staged_claims",
            _COLUMNS,
            [
                (entry_id, upstream_id, json.dumps(labels) if labels else "[]")
                for entry_id, upstream_id, labels in claims
            ],
        )
        labels = cast(stage.c.labels, JSON) if staging.is_postgres(session) else stage.c.labels
        rows = select(
            literal(exchange_id),
            stage.c.entry_id,
            stage.c.upstream_id,
            labels,
            literal(now, DateTime(timezone=True)),
            literal(now, DateTime(timezone=True)),
        ).where(true())
        statement = insert_for(session)(ExchangeClaimRow.__table__).from_select(
            ["exchange_id", "entry_id", "upstream_id", "labels", "first_seen", "last_seen"], rows
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

    def withdraw(self, session: Session, exchange_id: int, entry_ids: Sequence[int]) -> None:
        for chunk in _chunks(entry_ids):
            session.execute(
                delete(ExchangeClaimRow).where(
                    ExchangeClaimRow.exchange_id == exchange_id,
                    ExchangeClaimRow.entry_id.in_(chunk),
                )
            )

    def withdraw_upstream(
        self, session: Session, exchange_id: int, upstream_ids: Sequence[str]
    ) -> list[int]:
        """Withdraw the exchange's claims under these upstream ids; their entry ids."""
        found: list[int] = []
        for start in range(0, len(upstream_ids), BATCH):
            named = (
                ExchangeClaimRow.exchange_id == exchange_id,
                ExchangeClaimRow.upstream_id.in_(upstream_ids[start : start + BATCH]),
            )
            found.extend(session.scalars(select(ExchangeClaimRow.entry_id).where(*named)))
            session.execute(delete(ExchangeClaimRow).where(*named))
        return found

    def withdraw_unseen(self, session: Session, exchange_id: int, before: datetime) -> list[int]:
        """Withdraw the exchange's claims last listed before `before`; their entry ids."""
        unseen = ExchangeClaimRow.exchange_id == exchange_id, ExchangeClaimRow.last_seen < before
        ids = list(session.scalars(select(ExchangeClaimRow.entry_id).where(*unseen)))
        session.execute(delete(ExchangeClaimRow).where(*unseen))
        return ids

    def withdraw_all(self, session: Session, exchange_id: int) -> list[int]:
        return self.withdraw_unseen(session, exchange_id, datetime.max)

    def claimed(self, session: Session, entry_ids: Sequence[int]) -> set[int]:
        """Those of `entry_ids` some exchange still claims."""
        found: set[int] = set()
        for chunk in _chunks(entry_ids):
            found.update(
                session.scalars(
                    select(ExchangeClaimRow.entry_id)
                    .where(ExchangeClaimRow.entry_id.in_(chunk))
                    .distinct()
                )
            )
        return found

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
