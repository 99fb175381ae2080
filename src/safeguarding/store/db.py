"""Engine set-up, sessions and migrations for SQLite (default) and PostgreSQL.

Only `safeguarding db upgrade` and `safeguarding serve --demo` create or migrate a database
(`Database.upgrade`; `safeguarding demo e2ee` makes a throw-away one of its own).
Everything else opens it with `check_current`, which refuses a missing database or one at
another schema, naming the command to run: an SQLite path with a typo must not become a
silent empty database that answers "no match".
"""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from safeguarding.errors import DatabaseNotReadyError, DatabaseUnavailableError, InvalidInputError

MIGRATIONS = Path(__file__).parent / "migrations"
UPGRADE_HINT = (
    "run `safeguarding --db URL db upgrade` (the same URL, or the same"
    " SAFEGUARDING_DATABASE_URL) to create or migrate it"
)
_IMMEDIATE = "safeguarding_immediate"
#: how much of an SQLite database is read through a memory map
MMAP_BYTES = 1 << 30
#: SQLSTATEs that mean "the server is not there now", not "this statement is wrong": a
#: connection exception (class 08) and a server shutting down or starting (57P01-57P03)
_UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03")


def _server_unavailable(exc: DBAPIError) -> bool:
    """A PostgreSQL error that says the server went away or cannot be reached (psycopg
    gives no SQLSTATE when the connection itself failed)."""
    if exc.connection_invalidated:
        return True
    state = getattr(exc.orig, "sqlstate", None)
    if state is None:
        return type(exc.orig).__name__ in ("OperationalError", "InterfaceError")
    return str(state).startswith(_UNAVAILABLE_STATES)


class StoreSession(Session):
    """Every session the project opens: hooks that belong to our transactions (the audit
    chain's, `audit/chain.py`) listen on this class, never on SQLAlchemy's `Session` at
    large, so an application that embeds the library keeps its own sessions untouched."""


class Database:
    """One per process. `read()` and `write()` hand out sessions; writers on SQLite
    take the write lock up front (BEGIN IMMEDIATE) so concurrent writers queue on the
    busy timeout instead of failing when a read transaction tries to upgrade."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        parsed = make_url(url)
        if parsed.drivername == "postgres":  # Heroku's and many hosts' spelling
            parsed = parsed.set(drivername="postgresql")
        self.dialect = parsed.get_backend_name()
        if self.dialect == "postgresql" and parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "sqlite":
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
            if parsed.database in (None, "", ":memory:"):
                raise InvalidInputError(
                    "database_url",
                    "use a file for SQLite "
                    "(sqlite:///path.db): the index and the API share "
                    "it across threads",
                )
            self.path: Path | None = Path(parsed.database)
            kwargs["poolclass"] = NullPool
        else:
            self.path = None
            kwargs["pool_pre_ping"] = True
        self.shown = parsed.render_as_string(hide_password=True)
        self.engine: Engine = create_engine(parsed, **kwargs)
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine)
        self._sessions = sessionmaker(self.engine, class_=StoreSession, expire_on_commit=False)
        self._wal_holder: sqlite3.Connection | None = None
        self._holding = threading.Lock()

    def _hold_wal(self) -> None:
        """Keep one idle SQLite connection open while this Database is in use. Each session
        gets a connection of its own (NullPool), and when the last connection to a WAL
        database closes, SQLite checkpoints the log into the file and syncs it: about 30 ms
        on every write that happened to be alone (docs/benchmarks.md, the match counters).
        With this one open, commits only append to the log and SQLite checkpoints it every
        1,000 pages; `dispose` closes it, which checkpoints the rest. Opened read-write
        without create, after the database is known to exist."""
        if self._wal_holder is not None or self.path is None:
            return
        with self._holding:
            if self._wal_holder is not None:
                return
            try:
                holder = sqlite3.connect(
                    f"file:{self.path}?mode=rw", uri=True, check_same_thread=False
                )
            except sqlite3.Error:
                return  # an optimisation only: the write itself reports a missing file
            try:
                # a connection joins the log (and counts as open) on its first read
                holder.execute("SELECT count(*) FROM sqlite_master").fetchall()
            except sqlite3.Error:
                holder.close()
                return
            self._wal_holder = holder

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._unavailable_as_error(), self._sessions() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction committed on success and rolled back on any error."""
        self._hold_wal()
        with self._unavailable_as_error(), self._sessions() as session:
            session.connection(execution_options={_IMMEDIATE: True})
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def _unavailable_as_error(self) -> Iterator[None]:
        """A PostgreSQL server that is restarting or unreachable is DatabaseUnavailableError
        (a 503 the caller may retry), not a driver error and a 500; the pool's pre-ping
        reconnects once it answers again, so the process never needs a restart."""
        try:
            yield
        except DBAPIError as exc:
            if self.dialect == "postgresql" and _server_unavailable(exc):
                raise DatabaseUnavailableError(
                    f"the database server at {self.shown} cannot be reached now: retry"
                ) from exc
            raise

    def upgrade(self) -> None:
        """Create the database (an SQLite file) or apply every migration up to this
        version's schema; idempotent. Only `db upgrade` and `serve --demo` call it (and
        `demo e2ee`, on its own throw-away file)."""
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.engine.begin() as connection:
            config = alembic_config(self.url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def revision(self) -> str | None:
        """The schema revision the database is at; None when it has no schema yet."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def is_current(self) -> bool:
        return self.revision() == head_revision()

    def check_current(self) -> None:
        """Refuse (DatabaseNotReadyError, naming `safeguarding db upgrade`) a database that
        does not exist, cannot be opened, or is not at this version's schema. Never creates
        anything: an SQLite path is checked before SQLite would make an empty file there."""
        if self.path is not None and not self.path.is_file():
            raise DatabaseNotReadyError(f"no database at {self.path}: {UPGRADE_HINT}")
        try:
            current = self.revision()
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise DatabaseNotReadyError(
                f"cannot open the database at {self.shown} ({reason}); "
                f"if it does not exist yet, {UPGRADE_HINT}"
            ) from None
        head = head_revision()
        if current == head:
            return
        if current is None:
            raise DatabaseNotReadyError(
                f"the database at {self.shown} has no schema yet: {UPGRADE_HINT}"
            )
        if current not in known_revisions():
            raise DatabaseNotReadyError(
                f"the database at {self.shown} is at schema {current}, which this version "
                f"does not know (it needs {head}): was it made by a newer safeguarding?"
            )
        raise DatabaseNotReadyError(
            f"the database at {self.shown} is at schema {current}; "
            f"this version needs {head}: {UPGRADE_HINT}"
        )

    def ping(self) -> bool:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True

    def dispose(self) -> None:
        with self._holding:
            if self._wal_holder is not None:
                self._wal_holder.close()
                self._wal_holder = None
        self.engine.dispose()


def insert_for(session: Session) -> Any:
    """The dialect's INSERT, which has ON CONFLICT DO NOTHING on both databases."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


@functools.cache
def _scripts() -> Any:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(""))


def head_revision() -> str:
    """The newest schema revision this version knows (read once per process)."""
    head: str = _scripts().get_current_head()
    return head


def known_revisions() -> set[str]:
    return {script.revision for script in _scripts().walk_revisions()}


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # 64 MiB of pages (negative: KiB), used as needed: a big bank's unique index on
        # random digests missed the 2 MB default on nearly every insert (docs/benchmarks.md)
        cursor.execute("PRAGMA cache_size=-65536")
        # reads of the database file through a memory map instead of a copy into each new
        # connection's cache (a session's connection is new, its cache empty): a page of an
        # exchange probes the bank's digest index all over, 15% of a 1M-hash fetch
        # (docs/benchmarks.md). Address space only; the pages are the OS's file cache.
        cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        # temporary tables (store/staging.py: an exchange's page, up to 200,000 rows) in
        # memory: in a file they spilled out of the temporary cache's 2 MB on every page
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
