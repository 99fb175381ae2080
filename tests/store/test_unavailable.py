"""A PostgreSQL server that goes away under a running service (issue 19's restart fault):
requests fail clearly (DatabaseUnavailableError, a 503 with Retry-After) and succeed again
once the server is back, with the same process and the same Database object. This module has
a server of its own, since it is stopped and started (each test leaves it running)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.errors import DatabaseUnavailableError
from safeguarding.server import create_app
from safeguarding.store.db import Database
from tests.conftest import Cluster, start_cluster

pytestmark = pytest.mark.postgres
PDQ = "f" * 64


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[Cluster]:
    yield from start_cluster()


@pytest.fixture(scope="module")
def own_url(own_cluster: Cluster) -> str:
    """A migrated database on the test's own server (gone with the server: nothing to drop,
    and a pooled admin connection would not survive the restart anyway)."""
    admin = create_engine(f"{own_cluster.url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE sg_unavailable"))
    admin.dispose()
    db = Database(f"{own_cluster.url}/sg_unavailable")
    db.upgrade()
    db.dispose()
    return db.url


def test_a_stopped_server_is_a_clear_error_and_a_restart_needs_nothing_of_ours(
    own_cluster: Cluster, own_url: str
) -> None:
    db = Database(own_url)
    with db.read() as session:
        assert session.execute(text("SELECT 1")).scalar() == 1
    own_cluster.stop()
    with (
        pytest.raises(DatabaseUnavailableError, match="cannot be reached now") as caught,
        db.read() as session,
    ):
        session.execute(text("SELECT 1"))
    assert "postgres@127.0.0.1" in str(caught.value)
    with pytest.raises(DatabaseUnavailableError), db.write() as session:
        session.execute(text("SELECT 1"))
    own_cluster.start()
    with db.write() as session:  # the pool reconnects: no new Database, no restart
        assert session.execute(text("SELECT 1")).scalar() == 1
    db.dispose()


def test_a_statement_error_is_not_called_unavailable(own_url: str) -> None:
    db = Database(own_url)
    with pytest.raises(ProgrammingError, match="no_such_table"), db.read() as session:
        session.execute(text("SELECT * FROM no_such_table"))  # a 500 (a bug), not a 503
    db.dispose()


def test_the_api_answers_503_while_the_server_is_down_and_recovers(
    own_cluster: Cluster, own_url: str
) -> None:
    engine = Engine(Settings(database_url=own_url, index_refresh_seconds=0.1))
    headers = {"Authorization": f"Bearer {engine.keys.create('t', ['admin'], 't').token}"}
    body = {"items": [{"signals": [{"type": "pdq", "value": PDQ}]}]}
    with TestClient(create_app(engine=engine), raise_server_exceptions=False) as client:
        assert client.post("/v1/match/signals", json=body, headers=headers).status_code == 200
        own_cluster.stop()
        # A match reads the database only when the index's refresh is due (or a candidate
        # needs checking): a fast stop could fall inside index_refresh_seconds of the last
        # refresh, and the match would answer from memory (session 29's CI). Wait it out.
        time.sleep(0.3)
        down = client.post("/v1/match/signals", json=body, headers=headers)
        assert down.status_code == 503, down.text
        assert down.headers["Retry-After"] == "1"
        assert down.json()["error"]["type"] == "DatabaseUnavailableError"
        own_cluster.start()
        back = client.post("/v1/match/signals", json=body, headers=headers)
        assert back.status_code == 200, back.text
    engine.close()
