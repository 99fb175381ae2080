"""self-reports: cases of the self-report portal (case number digest, argon2id PIN hash,
category, status) and the bank values each one put in the self-report bank

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "self_reports",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("number_digest", sa.String(length=64), nullable=False),
        sa.Column("pin_hash", sa.String(length=200), nullable=False),
        sa.Column("submission_digest", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number_digest"),
        sa.UniqueConstraint("submission_digest"),
    )
    op.create_table(
        "self_report_hashes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "report_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("signal_type", sa.String(length=20), nullable=False),
        sa.Column("value_digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["self_reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("report_id", "signal_type", "value_digest", name="uq_self_report_hash"),
    )
    op.create_index(
        "ix_self_report_hash_value", "self_report_hashes", ["signal_type", "value_digest"]
    )


def downgrade() -> None:
    op.drop_index("ix_self_report_hash_value", table_name="self_report_hashes")
    op.drop_table("self_report_hashes")
    op.drop_table("self_reports")
