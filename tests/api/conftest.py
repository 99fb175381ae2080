from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.server import create_app


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    engine = Engine(
        Settings(database_url=db_url, max_upload_bytes=5_000_000, index_refresh_seconds=0.2)
    )
    with TestClient(create_app(engine=engine)) as test_client:
        yield test_client
    engine.close()


@pytest.fixture
def api_engine(client: TestClient) -> Engine:
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    return engine


def _headers(engine: Engine, *scopes: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {engine.keys.create('test', list(scopes), 't').token}"}


@pytest.fixture
def admin(api_engine: Engine) -> dict[str, str]:
    return _headers(api_engine, "admin")


@pytest.fixture
def matcher_only(api_engine: Engine) -> dict[str, str]:
    return _headers(api_engine, "match")


@pytest.fixture
def reader(api_engine: Engine) -> dict[str, str]:
    return _headers(api_engine, "banks:read")
