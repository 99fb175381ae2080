"""The table the delivery package owns: the outbox of deliveries. Only `delivery/` reads or
writes it. Names are persistent: change them only by migration."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from safeguarding.delivery.model import DeliveryStatus
from safeguarding.store.models import Base, BigId, utcnow


class OutboxRow(Base):
    """A delivery owed to the outside world, written in the transaction that caused it.
    Each channel is delivered in id order; `lease_until` marks a worker mid-delivery."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "channel", "status", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(30))  # webhook, report
    case_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    event: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict[str, Any]] = mapped_column()
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(nullable=True)
