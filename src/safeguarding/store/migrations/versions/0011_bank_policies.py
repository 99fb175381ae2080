"""bank policies per signal type: the PDQ and vPDQ columns become one JSON of settings

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 14:00:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# The names as they were stored when this migration was written; a migration never follows
# later code. `pdq_threshold` was also the distance at which vPDQ frames matched.
_COLUMNS = ("pdq_threshold", "min_quality", "vpdq_query_match_percent", "vpdq_index_match_percent")
_banks = sa.table(
    "banks",
    sa.column("id", sa.BigInteger()),
    sa.column("policies", sa.JSON()),
    sa.column("pdq_threshold", sa.Integer()),
    sa.column("min_quality", sa.Integer()),
    sa.column("vpdq_query_match_percent", sa.Float()),
    sa.column("vpdq_index_match_percent", sa.Float()),
)


def upgrade() -> None:
    op.add_column(
        "banks", sa.Column("policies", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
    )
    connection = op.get_bind()
    for row in connection.execute(sa.select(_banks.c.id, *(_banks.c[c] for c in _COLUMNS))):
        policies = {
            "pdq": {"threshold": int(row.pdq_threshold), "min_quality": int(row.min_quality)},
            "vpdq": {
                "frame_threshold": int(row.pdq_threshold),
                "query_match_percent": float(row.vpdq_query_match_percent),
                "index_match_percent": float(row.vpdq_index_match_percent),
            },
        }
        connection.execute(_banks.update().where(_banks.c.id == row.id).values(policies=policies))
    # Not batch mode: on SQLite that copies the table and drops the old one, and dropping
    # `banks` with foreign keys on deletes every bank entry (ON DELETE CASCADE). SQLite
    # 3.35+ drops a column in place.
    for column in _COLUMNS:
        op.drop_column("banks", column)


def downgrade() -> None:
    defaults: dict[str, tuple[str, str, float, sa.types.TypeEngine[Any]]] = {
        "pdq_threshold": ("pdq", "threshold", 31, sa.Integer()),
        "min_quality": ("pdq", "min_quality", 50, sa.Integer()),
        "vpdq_query_match_percent": ("vpdq", "query_match_percent", 80.0, sa.Float()),
        "vpdq_index_match_percent": ("vpdq", "index_match_percent", 0.0, sa.Float()),
    }
    for column, (_, _, default, kind) in defaults.items():
        op.add_column(
            "banks", sa.Column(column, kind, nullable=False, server_default=sa.text(repr(default)))
        )
    connection = op.get_bind()
    for row in connection.execute(sa.select(_banks.c.id, _banks.c.policies)):
        stored = row.policies or {}
        values = {
            column: (stored.get(kind) or {}).get(setting, default)
            for column, (kind, setting, default, _) in defaults.items()
        }
        connection.execute(_banks.update().where(_banks.c.id == row.id).values(**values))
    op.drop_column("banks", "policies")
