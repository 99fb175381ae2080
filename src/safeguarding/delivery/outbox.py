"""The durable outbox: deliveries are rows written in the transaction that caused them, and
a worker sends them. An ordered channel (webhooks) goes out strictly in order; a delivery
that fails waits (with backoff) and holds back the ones behind it, so the platform never
sees 'restore' before 'remove'. An unordered channel (reports: each item is a whole report
to one authority, independent of the others) sends whatever is due, so one report that
keeps failing does not hold back the reports of other cases or other authorities. A worker
that dies mid-delivery leaves a lease that expires; the next worker sends it again with the
same idempotency key, which the receiver uses to drop it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from safeguarding.audit.events import Event
from safeguarding.audit.log import AuditLog
from safeguarding.delivery.model import DeliveryStatus
from safeguarding.delivery.tables import OutboxRow
from safeguarding.errors import ConflictError
from safeguarding.store.db import Database
from safeguarding.store.instance import INSTANCE_ID, instance_value
from safeguarding.store.models import as_utc, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    id: int
    case_id: int | None
    channel: str
    event: str
    payload: dict[str, Any]
    #: `<instance id>:<key>`: the same in every attempt, different in every installation
    idempotency_key: str
    attempts: int


@dataclass(frozen=True)
class OutboxItem:
    """An outbox item as the admin page shows it."""

    id: int
    case_id: int | None
    channel: str
    event: str
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


def _item(row: OutboxRow) -> OutboxItem:
    return OutboxItem(
        row.id,
        row.case_id,
        row.channel,
        row.event,
        DeliveryStatus(row.status),
        row.attempts,
        row.last_error,
        as_utc(row.created_at) or utcnow(),
        as_utc(row.delivered_at),
    )


#: a handler delivers one item or raises; on success `after(session, delivery)` runs in the
#: transaction that marks it delivered
Handler = Callable[[Delivery], None]
After = Callable[[Session, Delivery], None]


def enqueue(
    session: Session,
    channel: str,
    event: str,
    payload: dict[str, Any],
    idempotency_key: str,
    *,
    case_id: int | None = None,
) -> None:
    session.add(
        OutboxRow(
            channel=channel,
            event=event,
            payload=payload,
            case_id=case_id,
            idempotency_key=idempotency_key[:100],
        )
    )


def sent_payloads(session: Session, case_id: int, event: str) -> list[dict[str, Any]]:
    """The payloads of every delivery of `event` written for a case, sent or not."""
    return list(
        session.scalars(
            select(OutboxRow.payload).where(OutboxRow.case_id == case_id, OutboxRow.event == event)
        )
    )


def for_case(session: Session, case_id: int) -> list[OutboxRow]:
    """Every delivery written for a case, oldest first: what the case has set off."""
    return list(
        session.scalars(
            select(OutboxRow).where(OutboxRow.case_id == case_id).order_by(OutboxRow.id)
        )
    )


def any_pending(session: Session, case_id: int, channel: str) -> bool:
    """Whether a delivery on `channel` for the case is still to be made."""
    return (
        session.scalar(
            select(OutboxRow.id)
            .where(
                OutboxRow.case_id == case_id,
                OutboxRow.channel == channel,
                OutboxRow.status == DeliveryStatus.PENDING,
            )
            .limit(1)
        )
        is not None
    )


class Outbox:
    def __init__(
        self,
        db: Database,
        audit: AuditLog,
        *,
        max_attempts: int = 20,
        base_delay: float = 2.0,
        max_delay: float = 600.0,
        lease: timedelta = timedelta(seconds=60),
    ) -> None:
        self.db = db
        self.audit = audit
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.lease = lease
        self._handlers: dict[str, tuple[Handler, After | None, bool]] = {}

    def handle(
        self, channel: str, handler: Handler, after: After | None = None, *, ordered: bool = True
    ) -> None:
        self._handlers[channel] = (handler, after, ordered)

    def _claim(
        self, channel: str, ordered: bool = True, skip: frozenset[int] = frozenset()
    ) -> Delivery | None:
        with self.db.write() as session:
            now = utcnow()
            query = select(OutboxRow).where(
                OutboxRow.channel == channel, OutboxRow.status == DeliveryStatus.PENDING
            )
            if ordered:  # the head of the line, due or not: nothing overtakes it
                query = query.with_for_update()
            else:  # the oldest due item no one is delivering; others' locks are skipped
                query = query.where(
                    OutboxRow.next_attempt_at <= now,
                    or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until <= now),
                    OutboxRow.id.not_in(skip),
                ).with_for_update(skip_locked=True)
            row = session.scalars(query.order_by(OutboxRow.id).limit(1)).first()
            if row is None or (as_utc(row.next_attempt_at) or now) > now:
                return None
            lease = as_utc(row.lease_until)
            if lease is not None and lease > now:
                return None  # another worker is delivering it
            row.lease_until = now + self.lease
            row.attempts += 1
            # Keys are unique in one database only: the instance id makes them unique
            # between installations, and after a database is rebuilt, for the receiver.
            key = f"{instance_value(session, INSTANCE_ID)}:{row.idempotency_key}"
            return Delivery(
                row.id, row.case_id, row.channel, row.event, dict(row.payload), key, row.attempts
            )

    def _finish(self, delivery: Delivery, error: str | None, after: After | None) -> None:
        with self.db.write() as session:
            row = session.get(OutboxRow, delivery.id, with_for_update=True)
            if row is None or row.status != DeliveryStatus.PENDING:
                return
            row.lease_until = None
            if error is None:
                row.status, row.delivered_at = DeliveryStatus.DELIVERED, utcnow()
                row.last_error = None
                if after is not None:
                    after(session, delivery)
                return
            row.last_error = error[:2000]
            if row.attempts >= self.max_attempts:
                row.status = DeliveryStatus.DEAD
                self.audit.record(
                    session,
                    "worker",
                    Event.OUTBOX_DEAD,
                    f"outbox:{row.id}",
                    channel=row.channel,
                    event=row.event,
                    error=row.last_error,
                )
                return
            delay = min(self.base_delay * 2 ** (row.attempts - 1), self.max_delay)
            row.next_attempt_at = utcnow() + timedelta(seconds=delay)

    def run_once(self, channel: str | None = None, limit: int = 100) -> int:
        """Deliver what is due, in order, until a channel is empty or waiting; returns how
        many were delivered."""
        delivered = 0
        for name in [channel] if channel else list(self._handlers):
            handler, after, ordered = self._handlers[name]
            failed: set[int] = set()  # an unordered channel tries each item once a run
            while delivered < limit:
                delivery = self._claim(name, ordered, frozenset(failed))
                if delivery is None:
                    break
                try:
                    handler(delivery)
                except Exception as exc:  # any failure is retried, never lost
                    log.warning(
                        "delivery %s failed (attempt %s): %s", delivery.id, delivery.attempts, exc
                    )
                    self._finish(delivery, f"{type(exc).__name__}: {exc}", after)
                    if ordered:
                        break
                    failed.add(delivery.id)
                    continue
                self._finish(delivery, None, after)
                delivered += 1
        return delivered

    def counts(self) -> dict[DeliveryStatus, int]:
        with self.db.read() as session:
            rows = session.execute(
                select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
            )
            return {DeliveryStatus(status): int(count) for status, count in rows.all()}

    def items(self, status: DeliveryStatus | None = None, limit: int = 100) -> list[OutboxItem]:
        with self.db.read() as session:
            query = select(OutboxRow).order_by(OutboxRow.id.desc()).limit(limit)
            if status:
                query = query.where(OutboxRow.status == status)
            return [_item(row) for row in session.scalars(query)]

    def retry(self, item_id: int, actor: str) -> None:
        """Put a dead delivery back in line (after the receiver is fixed)."""
        with self.db.write() as session:
            row = session.get(OutboxRow, item_id)
            if row is None or row.status != DeliveryStatus.DEAD:
                raise ConflictError(f"outbox item {item_id} is not dead")
            row.status, row.attempts, row.next_attempt_at = DeliveryStatus.PENDING, 0, utcnow()
            self.audit.record(session, actor, Event.OUTBOX_RETRY, f"outbox:{item_id}")
