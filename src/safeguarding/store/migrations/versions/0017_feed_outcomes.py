"""feed outcomes: what each subscriber reported per entry of a feed and reporting period
(matched, removed, false positive: counts only)

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

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "feed_outcomes",
        sa.Column("id", _ID, nullable=False),
        sa.Column("bank_id", _ID, nullable=False),
        sa.Column("entry_id", _ID, nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=200), nullable=False),
        sa.Column("matched", sa.BigInteger(), nullable=False),
        sa.Column("removed", sa.BigInteger(), nullable=False),
        sa.Column("false_positive", sa.BigInteger(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["bank_id"], ["banks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["entry_id"], ["bank_entries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_id", "entry_id", "period", name="uq_feed_outcome"),
    )
    op.create_index(op.f("ix_feed_outcomes_bank_id"), "feed_outcomes", ["bank_id"])
    op.create_index(op.f("ix_feed_outcomes_entry_id"), "feed_outcomes", ["entry_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_feed_outcomes_entry_id"), table_name="feed_outcomes")
    op.drop_index(op.f("ix_feed_outcomes_bank_id"), table_name="feed_outcomes")
    op.drop_table("feed_outcomes")
