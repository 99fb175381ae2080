"""exchange claims (provenance per entry and source), feed grants, and the value a bank
change removed

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("bank_changes", sa.Column("value", sa.Text(), nullable=True))
    op.create_table(
        "exchange_claims",
        sa.Column("id", _ID, nullable=False),
        sa.Column("exchange_id", _ID, nullable=False),
        sa.Column("entry_id", _ID, nullable=False),
        sa.Column("upstream_id", sa.String(length=200), nullable=True),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["exchange_id"], ["exchanges.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["entry_id"], ["bank_entries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("exchange_id", "entry_id", name="uq_claim"),
    )
    op.create_index(op.f("ix_exchange_claims_entry_id"), "exchange_claims", ["entry_id"])
    op.create_table(
        "feed_grants",
        sa.Column("id", _ID, nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("bank_id", _ID, nullable=False),
        sa.Column("granted_by", sa.String(length=200), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["bank_id"], ["banks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_id", "bank_id", name="uq_feed_grant"),
    )
    op.create_index(op.f("ix_feed_grants_bank_id"), "feed_grants", ["bank_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_feed_grants_bank_id"), table_name="feed_grants")
    op.drop_table("feed_grants")
    op.drop_index(op.f("ix_exchange_claims_entry_id"), table_name="exchange_claims")
    op.drop_table("exchange_claims")
    op.drop_column("bank_changes", "value")
