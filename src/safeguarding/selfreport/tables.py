"""The self-report tables (migrations 0012 and 0018). What a case keeps: no name, no contact, no
file names, no images; the case number only as a digest, the PIN only as argon2id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from safeguarding.store.models import Base, BigId, utcnow


class SelfReportRow(Base):
    __tablename__ = "self_reports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: codes.number_digest of the case number
    number_digest: Mapped[str] = mapped_column(String(64), unique=True)
    pin_hash: Mapped[str] = mapped_column(String(200))
    #: SHA-256 of the page's submission id: a replayed submission is refused
    submission_digest: Mapped[str] = mapped_column(String(64), unique=True)
    category: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="received")
    files: Mapped[int] = mapped_column(Integer)
    #: the hotline's case (cases/): its queue, leases and decisions
    case_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SelfReportHashRow(Base):
    """Which bank values a report put there: a value two reports share stays in the bank
    until both are withdrawn."""

    __tablename__ = "self_report_hashes"
    __table_args__ = (
        UniqueConstraint("report_id", "signal_type", "value_digest", name="uq_self_report_hash"),
        Index("ix_self_report_hash_value", "signal_type", "value_digest"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("self_reports.id", ondelete="CASCADE"))
    signal_type: Mapped[str] = mapped_column(String(20))
    value_digest: Mapped[str] = mapped_column(String(64))
    #: which of the report's files it came from (0, 1 ...): counts are per picture
    file: Mapped[int | None] = mapped_column(Integer, nullable=True)
