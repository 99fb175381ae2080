"""The tables the reporting package owns: reports to the authorities and the files sent
with them. Only `reporting/` reads or writes them. Names are persistent: change them
only by migration."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from safeguarding.reporting.model import ReportStatus
from safeguarding.store.models import Base, BigId, utcnow


class ReportRow(Base):
    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("case_id", "authority", name="uq_report_case"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    authority: Mapped[str] = mapped_column(String(20))  # ncmec, nca
    status: Mapped[str] = mapped_column(String(20), default=ReportStatus.DRAFT.value)
    document: Mapped[str] = mapped_column(Text)  # the report as it will be sent
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(BigInteger, default=0)
    # our last successful change to the open report at the authority: NCMEC deletes an
    # unfinished report an hour after its last change (reporting/submission.py)
    external_touched_at: Mapped[datetime | None] = mapped_column(nullable=True)


class ReportFileRow(Base):
    """A file uploaded to an open CyberTipline report: its fileId, so a retry never uploads
    it twice, and whether its fileDetails went too. Rows of an abandoned report stay as
    history; only those of the report's current `external_id` count."""

    __tablename__ = "report_files"
    __table_args__ = (
        UniqueConstraint("report_id", "external_id", "preview_id", name="uq_report_file"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(100))
    preview_id: Mapped[int] = mapped_column(BigInteger)
    file_id: Mapped[str] = mapped_column(String(100))
    md5: Mapped[str] = mapped_column(String(32))  # as NCMEC computed it, equal to ours
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    details_sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
