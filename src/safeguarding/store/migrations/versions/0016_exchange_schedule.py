"""exchange schedule: when each exchange is next due, its consecutive failures, and the
lease a fetching process holds on it

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "exchanges", sa.Column("next_fetch_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "exchanges", sa.Column("failures", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column("exchanges", sa.Column("lease_owner", sa.String(length=200), nullable=True))
    op.add_column("exchanges", sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("exchanges") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("lease_owner")
        batch.drop_column("failures")
        batch.drop_column("next_fetch_at")
