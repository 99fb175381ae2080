"""self-report cases: each self-report names the hotline case it is reviewed in

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("self_reports", sa.Column("case_id", sa.BigInteger(), nullable=True))
    op.create_index("ix_self_reports_case_id", "self_reports", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_self_reports_case_id", table_name="self_reports")
    with op.batch_alter_table("self_reports") as batch:
        batch.drop_column("case_id")
