"""self-report cases: each self-report names the hotline case it is reviewed in, and each
of its hashes the file it came from

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("self_reports", sa.Column("case_id", sa.BigInteger(), nullable=True))
    op.create_index("ix_self_reports_case_id", "self_reports", ["case_id"])
    op.add_column("self_report_hashes", sa.Column("file", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("self_report_hashes") as batch:
        batch.drop_column("file")
    op.drop_index("ix_self_reports_case_id", table_name="self_reports")
    with op.batch_alter_table("self_reports") as batch:
        batch.drop_column("case_id")
