"""bank entries: one index on the digest instead of two. `ix_entry_lookup` (signal type,
digest) served no query (every lookup by digest names its bank, and the unique
`uq_entry_value` (bank, signal type, digest) serves those), yet each new entry wrote a second
random place in a second digest-ordered B-tree: a fifth to a third of an exchange page's
insert at a million entries (docs/benchmarks.md, "Exchanges: ingest and feed catch-up").

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 06:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_entry_lookup", table_name="bank_entries")


def downgrade() -> None:
    op.create_index("ix_entry_lookup", "bank_entries", ["signal_type", "value_digest"])
