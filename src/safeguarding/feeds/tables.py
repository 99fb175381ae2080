"""The tables the feeds package owns: which API key may read which bank's feed, and the
outcomes subscribers report back. Names are persistent: change them only by migration."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from safeguarding.store.models import Base, BigId, utcnow


class FeedGrantRow(Base):
    __tablename__ = "feed_grants"
    __table_args__ = (UniqueConstraint("key_id", "bank_id", name="uq_feed_grant"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32))
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), index=True)
    granted_by: Mapped[str] = mapped_column(String(200))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeedOutcomeRow(Base):
    """What one subscriber reported for one entry of a feed in one reporting period:
    counts only (matched, removed, false positive), never its content ids. A report for a
    period the subscriber already reported replaces it, so a retry never counts twice."""

    __tablename__ = "feed_outcomes"
    __table_args__ = (UniqueConstraint("key_id", "entry_id", "period", name="uq_feed_outcome"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("bank_entries.id", ondelete="CASCADE"), index=True
    )
    key_id: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(200))
    matched: Mapped[int] = mapped_column(BigInteger, default=0)
    removed: Mapped[int] = mapped_column(BigInteger, default=0)
    false_positive: Mapped[int] = mapped_column(BigInteger, default=0)
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
