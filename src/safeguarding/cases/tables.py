"""The tables the cases package owns: cases, their evidence (with samples and distinct
accounts) and previews. Only `cases/` reads or writes them. Names are persistent: change
them only by migration."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from safeguarding.inputs import MAX_FILE_NAME_CHARS, MAX_ID_CHARS
from safeguarding.store.models import Base, BigId, utcnow


class CaseRow(Base):
    __tablename__ = "cases"
    __table_args__ = (Index("ix_case_queue", "status", "priority", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    priority: Mapped[int] = mapped_column(Integer)  # 0 urgent ... 3 low
    status: Mapped[str] = mapped_column(String(20), default="new")
    assignee: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # the assignee's hold on the case lapses at this time (cases/leases.py)
    lease_until: Mapped[datetime | None] = mapped_column(nullable=True)
    # the platform's identifiers; an open case is found again by any of them
    content_id: Mapped[str | None] = mapped_column(String(MAX_ID_CHARS), nullable=True, index=True)
    account_id: Mapped[str | None] = mapped_column(String(MAX_ID_CHARS), nullable=True, index=True)
    conversation_id: Mapped[str | None] = mapped_column(
        String(MAX_ID_CHARS), nullable=True, index=True
    )
    summary: Mapped[str] = mapped_column(Text, default="")
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    decision: Mapped[str | None] = mapped_column(String(30), nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    classification: Mapped[str | None] = mapped_column(String(10), nullable=True)
    # bumped on every change: a decision names the version it was made on
    version: Mapped[int] = mapped_column(Integer, default=1)
    due_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    preserve_until: Mapped[datetime | None] = mapped_column(nullable=True)


class CaseEvidenceRow(Base):
    """One signal behind a case: a match (bank, entry, distance), an alert (tactics, message
    indices, excerpts), or a user report (reason). References, not content. Repeats of the
    same evidence (same kind, same content: `group_key`) are counted here, not stored again
    (cases/evidence.py)."""

    __tablename__ = "case_evidence"
    __table_args__ = (Index("uq_evidence_group", "case_id", "group_key", unique=True),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    data: Mapped[dict[str, Any]] = mapped_column()
    added_at: Mapped[datetime] = mapped_column(default=utcnow)  # first seen
    # sha256 of what makes two pieces of evidence the same; NULL: never joined (older rows)
    group_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    occurrences: Mapped[int] = mapped_column(BigInteger, default=1)
    last_seen_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # distinct accounts seen, counted up to cases.evidence.MAX_TRACKED_ACCOUNTS
    accounts: Mapped[int] = mapped_column(Integer, default=0)
    samples: Mapped[list[EvidenceSampleRow]] = relationship(
        order_by="EvidenceSampleRow.id", viewonly=True
    )


class EvidenceSampleRow(Base):
    """One occurrence behind an evidence row, kept as a sample: the first and the last few
    only. `upload` is the platform's upload metadata (cases/uploads.py), set to NULL when
    the evidence retention period ends."""

    __tablename__ = "evidence_samples"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    evidence_id: Mapped[int] = mapped_column(
        ForeignKey("case_evidence.id", ondelete="CASCADE"), index=True
    )
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    account_id: Mapped[str | None] = mapped_column(String(MAX_ID_CHARS), nullable=True)
    content_id: Mapped[str | None] = mapped_column(String(MAX_ID_CHARS), nullable=True)
    upload: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class EvidenceAccountRow(Base):
    """The distinct accounts behind an evidence row, as digests: for counting only."""

    __tablename__ = "evidence_accounts"

    evidence_id: Mapped[int] = mapped_column(
        ForeignKey("case_evidence.id", ondelete="CASCADE"), primary_key=True
    )
    account_digest: Mapped[str] = mapped_column(String(64), primary_key=True)


class PreviewRow(Base):
    """Media the platform supplied for review. Deleted at `expires_at` unless the case is
    preserved; shown blurred unless a reviewer reveals it (and that is audited)."""

    __tablename__ = "previews"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    media_type: Mapped[str] = mapped_column(String(50))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    md5: Mapped[str] = mapped_column(String(32))  # of the stored (re-encoded) bytes
    # of the bytes as the platform gave them, before re-encoding; None: stored before 0010
    original_md5: Mapped[str | None] = mapped_column(String(32), nullable=True)
    file_name: Mapped[str] = mapped_column(String(MAX_FILE_NAME_CHARS), default="")
    # the reviewer's industry classification of this file (A1..B2); None: the case's
    classification: Mapped[str | None] = mapped_column(String(10), nullable=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ReviewerSettingsRow(Base):
    """How a reviewer wants evidence shown (cases/wellbeing.py): one JSON object, so a new
    setting needs no migration; absent fields take their defaults."""

    __tablename__ = "reviewer_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
