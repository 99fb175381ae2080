"""How errors become answers: only our own errors are polite; anything else is a bug."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.server import create_app
from tests.api.conftest import _headers


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    instance = Engine(Settings(database_url=sqlite_url))
    yield instance
    instance.close()


def test_a_value_error_is_a_bug_not_a_polite_422(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> list[object]:
        raise ValueError("an internal mistake")

    monkeypatch.setattr(engine.banks, "list_banks", broken)
    with TestClient(create_app(engine=engine), raise_server_exceptions=False) as client:
        answer = client.get("/v1/banks", headers=_headers(engine, "admin"))
    assert answer.status_code == 500
    assert "an internal mistake" not in answer.text


def test_invalid_input_names_the_field(engine: Engine) -> None:
    with TestClient(create_app(engine=engine)) as client:
        headers = _headers(engine, "admin")
        answer = client.post(
            "/v1/do-not-match",
            headers=headers,
            json={"type": "md5", "value": "0" * 32, "reason": " "},
        )
        assert answer.status_code == 422
        assert answer.json()["error"] == {
            "type": "InvalidInputError",
            "message": "reason: a reason is required",
            "field": "reason",
        }
        bank = client.post("/v1/banks", headers=headers, json={"name": "b", "source": "X!"})
        assert bank.status_code == 422
        assert bank.json()["error"]["type"] == "InvalidBankError"


def test_a_body_that_is_not_utf8_is_a_422(engine: Engine) -> None:
    with TestClient(create_app(engine=engine)) as client:
        answer = client.post("/v1/reports", headers=_headers(engine, "cases"), content=b"\xff{{{")
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["input"] == "\ufffd{{{"
