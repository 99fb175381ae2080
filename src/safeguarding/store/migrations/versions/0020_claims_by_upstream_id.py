"""exchange claims found by the upstream's id: NCMEC deletes an entry by its id (not by its
hashes), so a tombstone looks up this exchange's claims under that id

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 03:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_claim_upstream", "exchange_claims", ["exchange_id", "upstream_id"])


def downgrade() -> None:
    op.drop_index("ix_claim_upstream", table_name="exchange_claims")
