"""exchange listings: which upstream entry lists which bank entry, for tombstones that name
an upstream entry (NCMEC deletes an entry by its id, not by its hashes); a hash two upstream
entries list stays claimed until both are deleted. The index 0020 put on claims by upstream id
(which kept one upstream id per hash, so it could not) goes.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "exchange_listings",
        sa.Column("id", _ID, nullable=False),
        sa.Column("exchange_id", _ID, nullable=False),
        sa.Column("upstream_id", sa.String(length=200), nullable=False),
        sa.Column("entry_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(["exchange_id"], ["exchanges.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["entry_id"], ["bank_entries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("exchange_id", "upstream_id", "entry_id", name="uq_listing"),
    )
    op.create_index(op.f("ix_exchange_listings_entry_id"), "exchange_listings", ["entry_id"])
    op.drop_index("ix_claim_upstream", table_name="exchange_claims")


def downgrade() -> None:
    op.create_index("ix_claim_upstream", "exchange_claims", ["exchange_id", "upstream_id"])
    op.drop_index(op.f("ix_exchange_listings_entry_id"), table_name="exchange_listings")
    op.drop_table("exchange_listings")
