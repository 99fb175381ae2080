"""match counters for transparency reports: one row per minute, bank, signal type, surface
and outcome, upserted with each match (insights/counters.py)

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "match_counts",
        sa.Column("minute", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bank", sa.String(length=100), nullable=False),
        sa.Column("signal_type", sa.String(length=20), nullable=False),
        sa.Column("surface", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("minute", "bank", "signal_type", "surface", "outcome"),
    )


def downgrade() -> None:
    op.drop_table("match_counts")
