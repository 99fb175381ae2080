"""previews: the MD5 of the bytes as the platform gave them, and a classification per file

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('previews') as batch:
        batch.add_column(sa.Column('original_md5', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('classification', sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('previews') as batch:
        batch.drop_column('classification')
        batch.drop_column('original_md5')
