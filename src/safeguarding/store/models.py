"""The declarative base every table builds on, the time helpers, and the tables still
kept here: banks (with their entries, change log and do-not-match list) and audit events,
until their packages take them as the other domains did (`store/schema.py` lists every
owner). Column and table names are persistent: change them only by migration."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(at: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


class Base(DeclarativeBase):
    type_annotation_map = {datetime: DateTime(timezone=True), dict[str, Any]: JSON}


class BankRow(Base):
    __tablename__ = "banks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(50), default="local")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    action: Mapped[str] = mapped_column(String(20), default="review")
    # settings per signal type ({"pdq": {"threshold": 31, ...}}): see banks/policy.py
    policies: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class BankEntryRow(Base):
    __tablename__ = "bank_entries"
    __table_args__ = (
        UniqueConstraint("bank_id", "signal_type", "value_digest", name="uq_entry_value"),
        Index("ix_entry_lookup", "signal_type", "value_digest"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), index=True)
    signal_type: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(Text)
    # sha256 of the canonical value: keeps the unique index small for long vPDQ values
    value_digest: Mapped[str] = mapped_column(String(64))
    quality: Mapped[int | None] = mapped_column(Integer, nullable=True)
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    extra: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    source_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class BankChangeRow(Base):
    """Append-only change log that index replicas follow instead of rebuilding."""

    __tablename__ = "bank_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    op: Mapped[str] = mapped_column(String(20))  # add, remove, bank, dnm_add, dnm_remove
    bank_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    entry_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    signal_type: Mapped[str | None] = mapped_column(String(20), nullable=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class DoNotMatchRow(Base):
    __tablename__ = "do_not_match"
    __table_args__ = (UniqueConstraint("signal_type", "value_digest", name="uq_dnm_value"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    signal_type: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(Text)
    value_digest: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


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


class InstanceValueRow(Base):
    """Values made once per installation (store/instance.py). Names are persistent."""

    __tablename__ = "instance_values"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
