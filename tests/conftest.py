"""Shared fixtures: benign test data, and databases on SQLite and a real PostgreSQL.

PostgreSQL: SAFEGUARDING_TEST_POSTGRES_URL names a server to use; otherwise the suite starts
a throw-away cluster with the Debian binaries (scripts/install-system-deps installs them).
With SAFEGUARDING_REQUIRE_POSTGRES=1 (as `make test` sets) a missing server fails the run
instead of skipping the PostgreSQL half of the storage tests.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.store.db import Database
from tests.stored import unknown_stored_values

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
PHOTOS = SHARED / "photos"
PDQ_DATA = SHARED / "threatexchange" / "pdq"
VIDEOS = SHARED / "threatexchange" / "videos"
VPDQ_HASHES = SHARED / "threatexchange" / "vpdq-sample-hashes"


def require_shared() -> None:
    if not PHOTOS.is_dir():
        pytest.fail(f"benign test data not found at {SHARED} (shared/ beside the checkout)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Cluster:
    """A throw-away PostgreSQL server: its URL (no database name), and stop/start for the
    tests of a server that goes away under the service (tests/store/test_unavailable.py)."""

    url: str
    ctl: list[str]  # pg_ctl with its data folder (run as the postgres user under root)
    log: Path
    options: str

    def stop(self) -> None:
        subprocess.run([*self.ctl, "-m", "fast", "-w", "stop"], check=True, capture_output=True)

    def start(self) -> None:
        subprocess.run(
            [*self.ctl, "-l", str(self.log), "-o", self.options, "-w", "start"],
            check=True,
            capture_output=True,
        )


def start_cluster() -> Iterator[Cluster]:
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not binaries:
        message = "PostgreSQL binaries not found (run scripts/install-system-deps)"
        if os.environ.get("SAFEGUARDING_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    bindir = Path(binaries[-1]).parent
    workdir = Path(tempfile.mkdtemp(prefix="sg-pg-"))
    datadir = workdir / "data"
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        user = pwd.getpwnam("postgres")
        os.chown(workdir, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    subprocess.run(
        [
            *prefix,
            str(bindir / "initdb"),
            "-D",
            str(datadir),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        ],
        check=True,
        capture_output=True,
    )
    options = (
        f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    cluster = Cluster(
        f"postgresql+psycopg://postgres@127.0.0.1:{port}",
        [*prefix, str(bindir / "pg_ctl"), "-D", str(datadir)],
        workdir / "log",
        options,
    )
    cluster.start()
    try:
        yield cluster
    finally:
        subprocess.run([*cluster.ctl, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """Base URL of a PostgreSQL server, without a database name."""
    given = os.environ.get("SAFEGUARDING_TEST_POSTGRES_URL")
    if given:
        yield given.rstrip("/")
        return
    for cluster in start_cluster():
        yield cluster.url


@pytest.fixture(scope="session")
def postgres_template(postgres_server: str) -> str:
    """A database migrated once; each test copies it (CREATE DATABASE ... TEMPLATE)."""
    admin = create_engine(f"{postgres_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS sg_template"))
        conn.execute(text("CREATE DATABASE sg_template"))
    admin.dispose()
    db = Database(f"{postgres_server}/sg_template")
    db.upgrade()
    db.dispose()
    return "sg_template"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    db.dispose()
    return path


_counter = itertools.count()


@contextmanager
def postgres_database(server: str, template: str | None = None) -> Iterator[str]:
    """The URL of a new database on `server` (a copy of `template`, or empty), dropped after."""
    name = f"sg_test_{os.getpid()}_{next(_counter)}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        )
    try:
        yield f"{server}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A fresh, migrated database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    with postgres_database(
        request.getfixturevalue("postgres_server"), request.getfixturevalue("postgres_template")
    ) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "test.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def _engine(url: str) -> Iterator[Engine]:
    instance = Engine(Settings(database_url=url, index_refresh_seconds=0.2))
    yield instance
    try:
        assert unknown_stored_values(instance) == []  # persistent keys stay members
    finally:
        instance.close()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    yield from _engine(db_url)


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    """`engine` on SQLite alone, for a test the database plays no part in (what hashing
    finds, say): storing and reading on both backends is what the storage tests prove."""
    yield from _engine(sqlite_url)


@pytest.fixture(scope="session")
def photos() -> list[Path]:
    require_shared()
    return sorted(PHOTOS.glob("*.jpg"))
