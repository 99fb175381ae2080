"""The tables the banks package owns: banks, their entries, the change log index replicas
follow, and the do-not-match list. Only `banks/` reads or writes them (`banks/store.py`);
other packages go through `BankStore` or `BankService`. Names are persistent: change them
only by migration."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from safeguarding.store.models import Base, BigId, utcnow


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
    # the one index on the digest: every lookup by value names its bank (a second index on
    # (signal type, digest) went in 0022: each insert wrote two random B-tree places)
    __table_args__ = (
        UniqueConstraint("bank_id", "signal_type", "value_digest", name="uq_entry_value"),
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
    # a removal keeps the value it removed, so a published feed's tombstone can name it
    value: Mapped[str | None] = mapped_column(Text, nullable=True)
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
