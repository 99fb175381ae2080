"""The database rule: only `db upgrade` (and `serve --demo`) create or migrate a database;
`Engine(...)` refuses a missing or older one, naming the command, and creates nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.errors import DatabaseNotReadyError
from safeguarding.store.db import Database, alembic_config, head_revision

HINT = "safeguarding --db URL db upgrade"


def _refused(url: str) -> str:
    with pytest.raises(DatabaseNotReadyError) as raised:
        Engine(Settings(database_url=url))
    return str(raised.value)


def test_a_missing_sqlite_file_is_refused_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "typo" / "safeguarding.db"
    message = _refused(f"sqlite:///{path}")
    assert HINT in message and str(path) in message
    assert not path.exists() and not path.parent.exists()


def test_an_empty_or_older_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    path.touch()  # what the engine used to leave behind on a typo
    assert "no schema yet" in _refused(f"sqlite:///{path}")
    database = Database(f"sqlite:///{path}")
    with database.engine.begin() as connection:
        config = alembic_config(database.url)
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
    message = _refused(f"sqlite:///{path}")
    assert "at schema 0002" in message and head_revision() in message and HINT in message
    database.upgrade()
    database.dispose()
    Engine(Settings(database_url=f"sqlite:///{path}")).close()


def test_a_schema_from_a_newer_version_is_refused(sqlite_url: str) -> None:
    database = Database(sqlite_url)
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    database.dispose()
    assert "newer safeguarding" in _refused(sqlite_url)


@pytest.fixture
def empty_postgres(postgres_server: str) -> Iterator[str]:
    admin = create_engine(f"{postgres_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS sg_empty"))
        conn.execute(text("CREATE DATABASE sg_empty"))
    try:
        yield f"{postgres_server}/sg_empty"
    finally:
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS sg_empty WITH (FORCE)"))
        admin.dispose()


@pytest.mark.postgres
def test_postgresql_missing_or_empty_is_refused(postgres_server: str, empty_postgres: str) -> None:
    missing = _refused(f"{postgres_server}/sg_no_such_database")
    assert "cannot open" in missing and HINT in missing
    assert "no schema yet" in _refused(empty_postgres)
    database = Database(empty_postgres)
    database.upgrade()
    database.dispose()
    Engine(Settings(database_url=empty_postgres)).close()


def test_sqlite_writes_append_to_the_log_while_the_database_is_open(sqlite_url: str) -> None:
    """A write alone used to close the last connection, which checkpoints and syncs the
    whole log (about 30 ms a write): an idle connection held open keeps the log, and
    closing the Database checkpoints it into the file."""
    db = Database(sqlite_url)
    assert db.path is not None
    log = db.path.with_name(db.path.name + "-wal")
    with db.write() as session:
        session.execute(text("CREATE TABLE probe (n INTEGER)"))
    with db.write() as session:
        session.execute(text("INSERT INTO probe VALUES (1)"))
    assert log.is_file() and log.stat().st_size > 0  # not checkpointed on close
    db.dispose()
    assert not log.exists()  # the last connection closed: all in the file
    again = Database(sqlite_url)
    with again.read() as session:
        assert session.execute(text("SELECT n FROM probe")).scalar_one() == 1
    again.dispose()


def test_the_log_holder_never_creates_a_file(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'absent.db'}")
    db._hold_wal()
    assert db._wal_holder is None and not (tmp_path / "absent.db").exists()
    db.dispose()
