"""Migrations that move data: upgraded from the revision before, with data in it, on SQLite
and PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.matching import QuerySignal
from safeguarding.store.db import Database, alembic_config
from tests.conftest import postgres_database

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    with postgres_database(request.getfixturevalue("postgres_server")) as url:
        yield url


def _to(db: Database, revision: str, *, down: bool = False) -> None:
    with db.engine.begin() as connection:
        config = alembic_config(db.url)
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


_BANK = text(
    "INSERT INTO banks (name, description, source, enabled, pdq_threshold, min_quality, action,"
    " vpdq_query_match_percent, vpdq_index_match_percent, labels, created_by, created_at,"
    " updated_at) VALUES (:name, '', 'local', :enabled, :threshold, :quality, :action, :query,"
    " :index, '[]', 't', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
)
_ENTRY = text(
    "INSERT INTO bank_entries (bank_id, signal_type, value, value_digest, quality, labels,"
    " metadata, added_by, added_at) SELECT id, 'pdq', :value, :digest, 100, '[]', '{}', 't',"
    " CURRENT_TIMESTAMP FROM banks WHERE name = :bank"
)


def _near(value: str, bits: int) -> str:
    return f"{int(value, 16) ^ ((1 << bits) - 1):064x}"


def test_bank_policies_carry_over_to_settings_per_signal_type(empty_url: str) -> None:
    db = Database(empty_url)
    _to(db, "0010")
    with db.engine.begin() as connection:
        for name, enabled, threshold, quality, action, query, index in (
            ("tuned", True, 20, 60, "block", 90.0, 10.0),
            ("plain", True, 31, 50, "review", 80.0, 0.0),
            ("off", False, 64, 0, "report", 50.0, 0.0),
        ):
            connection.execute(
                _BANK,
                {
                    "name": name,
                    "enabled": enabled,
                    "threshold": threshold,
                    "quality": quality,
                    "action": action,
                    "query": query,
                    "index": index,
                },
            )
        connection.execute(
            _ENTRY,
            {"value": PDQ, "bank": "tuned", "digest": hashlib.sha256(PDQ.encode()).hexdigest()},
        )
    db.upgrade()
    engine = Engine(Settings(database_url=empty_url))
    try:
        tuned = engine.banks.get_bank("tuned")
        assert tuned.entry_count == 1  # the table was altered in place, never re-created
        assert (tuned.policy.action.value, tuned.policy.settings()) == (
            "block",
            {
                "pdq": {"threshold": 20, "min_quality": 60},
                "vpdq": {
                    "frame_threshold": 20,
                    "query_match_percent": 90.0,
                    "index_match_percent": 10.0,
                },
            },
        )
        assert engine.banks.get_bank("plain").policy.legacy() == {
            "pdq_threshold": 31,
            "min_quality": 50,
            "vpdq_query_match_percent": 80.0,
            "vpdq_index_match_percent": 0.0,
        }
        # the disabled bank's threshold of 64 is not searched; the tuned bank's 20 is
        assert engine.match_signals([QuerySignal("pdq", _near(PDQ, 20), 100)]).matched
        assert not engine.match_signals([QuerySignal("pdq", _near(PDQ, 21), 100)]).matched
        engine.banks.update_bank("tuned", "t", policies={"pdq": {"min_quality": 70}})
    finally:
        engine.close()
    _to(db, "0010", down=True)
    with db.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT name, pdq_threshold, min_quality, vpdq_query_match_percent,"
                " vpdq_index_match_percent FROM banks ORDER BY name"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("off", 64, 0, 50.0, 0.0),
        ("plain", 31, 50, 80.0, 0.0),
        ("tuned", 20, 70, 90.0, 10.0),
    ]
    db.dispose()
