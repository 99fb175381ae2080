"""The tables the exchanges package owns: configured exchanges with their checkpoint and
status. Only `exchanges/` reads or writes them. Names are persistent: change them only by
migration."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from safeguarding.store.models import Base, BigId, utcnow


class ExchangeRow(Base):
    """One configured source of a bank. `credentials` is a Fernet token (exchanges/vault.py)
    of the secret options as JSON, never the plain values."""

    __tablename__ = "exchanges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), index=True)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    credentials: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # which options are sealed in `credentials` (names only), so `show` can say so
    credential_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    interval_seconds: Mapped[int] = mapped_column(Integer)
    # the kind's opaque position upstream (a cursor, a token, a line count), as JSON
    checkpoint: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    last_fetch_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    fetched: Mapped[int] = mapped_column(BigInteger, default=0)
    added: Mapped[int] = mapped_column(BigInteger, default=0)
    removed: Mapped[int] = mapped_column(BigInteger, default=0)
    skipped: Mapped[int] = mapped_column(BigInteger, default=0)
    # the schedule: when the worker fetches next (None: now) and how many fetches in a row
    # failed (the backoff grows with it)
    next_fetch_at: Mapped[datetime | None] = mapped_column(nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # the process fetching it now, until when (renewed each page): one fetch at a time per
    # exchange across processes; a lapsed lease is anyone's (its holder died)
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(nullable=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExchangeClaimRow(Base):
    """Provenance per entry and source: this exchange lists this bank entry. A tombstone
    from one exchange withdraws only its claim; an entry leaves the bank when no exchange
    claims it any more (and it came from an exchange in the first place)."""

    __tablename__ = "exchange_claims"
    __table_args__ = (UniqueConstraint("exchange_id", "entry_id", name="uq_claim"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("bank_entries.id", ondelete="CASCADE"), index=True
    )
    upstream_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)


class ExchangeListingRow(Base):
    """Which upstream entry lists which bank entry, kept for the kinds whose tombstones name
    an upstream entry rather than a hash (NCMEC deletes an entry by its id). One hash can be
    listed by several upstream entries (two members sharing one image): the exchange's claim
    on it is withdrawn only when the last of them is deleted."""

    __tablename__ = "exchange_listings"
    __table_args__ = (
        UniqueConstraint("exchange_id", "upstream_id", "entry_id", name="uq_listing"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id", ondelete="CASCADE"))
    upstream_id: Mapped[str] = mapped_column(String(200))
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("bank_entries.id", ondelete="CASCADE"), index=True
    )
