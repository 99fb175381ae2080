"""Database URLs as hosts hand them out: `postgres://` (Heroku's and many others' spelling)
opens PostgreSQL as `postgresql://` does."""

from __future__ import annotations

import pytest

from safeguarding.store.db import Database


@pytest.mark.postgres
def test_the_short_postgres_spelling_is_accepted(
    postgres_server: str, postgres_template: str
) -> None:
    short = postgres_server.replace("postgresql+psycopg://", "postgres://", 1)
    assert short.startswith("postgres://")
    db = Database(f"{short}/{postgres_template}")
    try:
        assert db.dialect == "postgresql" and db.ping() and db.is_current()
    finally:
        db.dispose()
