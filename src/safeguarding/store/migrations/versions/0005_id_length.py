"""one length for the platform's ids: content and account ids up to 256 characters

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite does not enforce VARCHAR lengths; PostgreSQL does
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in ("content_id", "account_id"):
        op.alter_column(
            "cases",
            column,
            type_=sa.String(length=256),
            existing_type=sa.String(length=200),
            existing_nullable=True,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in ("content_id", "account_id"):
        op.alter_column(
            "cases",
            column,
            type_=sa.String(length=200),
            existing_type=sa.String(length=256),
            existing_nullable=True,
        )
