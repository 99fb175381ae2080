"""report facts: per preview, the MD5 of the bytes as the platform gave them and a
classification; per report, the time of our last change at the authority and a fileId per
uploaded file

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("previews") as batch:
        batch.add_column(sa.Column("original_md5", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("classification", sa.String(length=10), nullable=True))
    with op.batch_alter_table("reports") as batch:
        batch.add_column(
            sa.Column("external_touched_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "report_files",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "report_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("preview_id", sa.BigInteger(), nullable=False),
        sa.Column("file_id", sa.String(length=100), nullable=False),
        sa.Column("md5", sa.String(length=32), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("report_id", "external_id", "preview_id", name="uq_report_file"),
    )
    op.create_index(op.f("ix_report_files_report_id"), "report_files", ["report_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_report_files_report_id"), table_name="report_files")
    op.drop_table("report_files")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("external_touched_at")
    with op.batch_alter_table("previews") as batch:
        batch.drop_column("classification")
        batch.drop_column("original_md5")
