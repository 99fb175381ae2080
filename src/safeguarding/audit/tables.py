"""The table the audit package owns: the hash-chained events (audit/chain.py). Only
`audit/` reads or writes it; other packages record and read events through `AuditLog`.
Names are persistent: change them only by migration."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from safeguarding.store.models import Base, BigId, utcnow


class AuditEventRow(Base):
    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("seq", name="uq_audit_seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(String(300), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the hash chain (audit/chain.py): position, the previous event's hash, this one's
    seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # the audit key's id when the hash is an HMAC under it (audit/keys.py); None: plain SHA-256
    key_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
