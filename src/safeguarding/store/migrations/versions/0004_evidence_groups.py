"""evidence groups: repeats counted, a bounded sample of uploads with their metadata

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("case_evidence", sa.Column("group_key", sa.String(length=64), nullable=True))
    op.add_column(
        "case_evidence",
        sa.Column("occurrences", sa.BigInteger(), nullable=False, server_default="1"),
    )
    op.add_column(
        "case_evidence", sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "case_evidence", sa.Column("accounts", sa.Integer(), nullable=False, server_default="0")
    )
    op.execute("UPDATE case_evidence SET last_seen_at = added_at")
    op.create_index("uq_evidence_group", "case_evidence", ["case_id", "group_key"], unique=True)
    op.create_table(
        "evidence_samples",
        sa.Column("id", _ID, nullable=False),
        sa.Column("evidence_id", _ID, nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account_id", sa.String(length=256), nullable=True),
        sa.Column("content_id", sa.String(length=256), nullable=True),
        sa.Column("upload", sa.JSON(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["evidence_id"], ["case_evidence.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_evidence_samples_evidence_id"), "evidence_samples", ["evidence_id"], unique=False
    )
    op.create_index(
        op.f("ix_evidence_samples_seen_at"), "evidence_samples", ["seen_at"], unique=False
    )
    op.create_table(
        "evidence_accounts",
        sa.Column("evidence_id", _ID, nullable=False),
        sa.Column("account_digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["evidence_id"], ["case_evidence.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("evidence_id", "account_digest"),
    )


def downgrade() -> None:
    op.drop_table("evidence_accounts")
    op.drop_index(op.f("ix_evidence_samples_seen_at"), table_name="evidence_samples")
    op.drop_index(op.f("ix_evidence_samples_evidence_id"), table_name="evidence_samples")
    op.drop_table("evidence_samples")
    op.drop_index("uq_evidence_group", table_name="case_evidence")
    with op.batch_alter_table("case_evidence") as batch:
        for column in ("accounts", "last_seen_at", "occurrences", "group_key"):
            batch.drop_column(column)
