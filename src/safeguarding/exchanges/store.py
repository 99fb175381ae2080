"""Exchange persistence. Every method takes the session of the caller's transaction and
returns dataclasses, never rows. Banks are known here by id only: their names come from the
banks package (the service joins them)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from safeguarding.errors import ConflictError, NotFoundError
from safeguarding.exchanges.model import Exchange, is_exchange_name
from safeguarding.exchanges.tables import ExchangeRow
from safeguarding.store.models import as_utc, utcnow


def _exchange(row: ExchangeRow) -> Exchange:
    return Exchange(
        id=row.id,
        name=row.name,
        kind=row.kind,
        bank_id=row.bank_id,
        options=dict(row.options),
        credentials=list(row.credential_names),
        enabled=row.enabled,
        interval_seconds=row.interval_seconds,
        checkpoint=row.checkpoint,
        last_fetch_at=as_utc(row.last_fetch_at),
        last_success_at=as_utc(row.last_success_at),
        last_error=row.last_error,
        fetched=row.fetched,
        added=row.added,
        removed=row.removed,
        skipped=row.skipped,
        created_by=row.created_by,
        created_at=as_utc(row.created_at) or row.created_at,
        next_fetch_at=as_utc(row.next_fetch_at),
        failures=row.failures,
        lease_owner=row.lease_owner,
        lease_until=as_utc(row.lease_until),
    )


class ExchangeStore:
    def create(
        self,
        session: Session,
        *,
        name: str,
        kind: str,
        bank_id: int,
        options: dict[str, str],
        credentials: bytes | None,
        credential_names: list[str],
        interval_seconds: int,
        enabled: bool,
        created_by: str,
    ) -> Exchange:
        row = ExchangeRow(
            name=name,
            kind=kind,
            bank_id=bank_id,
            options=options,
            credentials=credentials,
            credential_names=credential_names,
            enabled=enabled,
            interval_seconds=interval_seconds,
            created_by=created_by,
            fetched=0,
            added=0,
            removed=0,
            skipped=0,
            failures=0,
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            raise ConflictError(f"exchange {name!r} already exists") from None
        return self.get(session, name)

    def _row(self, session: Session, name: str, *, lock: bool = False) -> ExchangeRow:
        if not is_exchange_name(name):
            raise NotFoundError(f"exchange {str(name)[:120]!r} not found")
        query = select(ExchangeRow).where(ExchangeRow.name == name)
        if lock and session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        row = session.scalars(query).one_or_none()
        if row is None:
            raise NotFoundError(f"exchange {name!r} not found")
        return row

    def get(self, session: Session, name: str, *, lock: bool = False) -> Exchange:
        return _exchange(self._row(session, name, lock=lock))

    def all(self, session: Session) -> list[Exchange]:
        return [
            _exchange(row)
            for row in session.scalars(select(ExchangeRow).order_by(ExchangeRow.name))
        ]

    def sealed_credentials(self, session: Session, name: str) -> bytes | None:
        return self._row(session, name).credentials

    def update(self, session: Session, name: str, changes: dict[str, Any]) -> Exchange:
        row = self._row(session, name, lock=True)
        for key, value in changes.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
        session.flush()
        return self.get(session, name)

    def advance(
        self,
        session: Session,
        name: str,
        checkpoint: dict[str, Any],
        fetched: int,
        added: int,
        removed: int,
        skipped: int,
    ) -> None:
        """Move the checkpoint past a page and add its counts (in the page's transaction)."""
        row = self._row(session, name)
        row.checkpoint = checkpoint
        row.fetched += fetched
        row.added += added
        row.removed += removed
        row.skipped += skipped
        row.updated_at = utcnow()
        session.flush()

    def due(self, session: Session, now: datetime) -> list[str]:
        """The enabled exchanges due by `now` whose lease is free, longest waiting first."""
        rows = session.scalars(
            select(ExchangeRow.name)
            .where(
                ExchangeRow.enabled.is_(True),
                or_(ExchangeRow.next_fetch_at.is_(None), ExchangeRow.next_fetch_at <= now),
                or_(ExchangeRow.lease_until.is_(None), ExchangeRow.lease_until <= now),
            )
            .order_by(
                ExchangeRow.next_fetch_at.is_not(None), ExchangeRow.next_fetch_at, ExchangeRow.name
            )
        )
        return list(rows)

    def next_due(self, session: Session) -> datetime | None:
        """When the next enabled exchange is due: the earliest `next_fetch_at` or lease end
        (None: none is enabled)."""
        rows = session.execute(
            select(ExchangeRow.next_fetch_at, ExchangeRow.lease_until).where(
                ExchangeRow.enabled.is_(True)
            )
        ).all()
        times = [
            max(
                as_utc(at) or datetime.min.replace(tzinfo=UTC),
                as_utc(held) or datetime.min.replace(tzinfo=UTC),
            )
            for at, held in rows
        ]
        return min(times) if times else None

    def take_lease(
        self, session: Session, name: str, owner: str, now: datetime, until: datetime
    ) -> tuple[bool, Exchange]:
        """Hold the exchange's lease until `until` if it is free, lapsed or already ours
        (under its row lock): (taken, the exchange as it stands)."""
        row = self._row(session, name, lock=True)
        held = as_utc(row.lease_until)
        if row.lease_owner not in (None, owner) and held is not None and held > now:
            return False, _exchange(row)
        row.lease_owner, row.lease_until = owner, until
        session.flush()
        return True, _exchange(row)

    def renew_lease(self, session: Session, name: str, owner: str, until: datetime) -> bool:
        """Extend our lease (in a page's transaction); False: it is no longer ours."""
        row = self._row(session, name, lock=True)
        if row.lease_owner != owner:
            return False
        row.lease_until = until
        session.flush()
        return True

    def finish(self, session: Session, name: str, owner: str, changes: dict[str, Any]) -> None:
        """Record a fetch's outcome and release our lease (if we still hold it)."""
        row = self._row(session, name, lock=True)
        for key, value in changes.items():
            setattr(row, key, value)
        if row.lease_owner == owner:
            row.lease_owner, row.lease_until = None, None
        row.updated_at = utcnow()
        session.flush()

    def delete(self, session: Session, name: str) -> None:
        session.delete(self._row(session, name, lock=True))
        session.flush()
