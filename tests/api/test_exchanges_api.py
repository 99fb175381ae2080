"""`/v1/exchanges`: scope banks:write, credentials never shown back, local files refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from safeguarding.engine import Engine
from tests.api.conftest import _headers

SECRET = "tok-9e1c-not-a-real-token"


@pytest.fixture
def writer(api_engine: Engine) -> dict[str, str]:
    return _headers(api_engine, "banks:write")


def test_exchange_routes(
    client: TestClient,
    api_engine: Engine,
    writer: dict[str, str],
    reader: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api_engine.banks.create_bank("partner", "test")
    body = {
        "name": "hotline",
        "kind": "safeguarding",
        "bank": "partner",
        "options": {"url": "https://h.example", "feed": "shared", "token": SECRET},
    }
    assert client.get("/v1/exchanges", headers=reader).status_code == 403
    assert client.post("/v1/exchanges", json=body, headers=reader).status_code == 403
    # no exchange_key: the credential cannot be sealed, so nothing is stored
    refused = client.post("/v1/exchanges", json=body, headers=writer)
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "exchange_key"
    assert SECRET not in refused.text
    local = client.post(
        "/v1/exchanges",
        headers=writer,
        json={"name": "l", "kind": "file", "bank": "partner", "options": {"url": "/etc/passwd"}},
    )
    assert local.status_code == 422 and "command line" in local.text
    added = client.post(
        "/v1/exchanges",
        headers=writer,
        json={
            "name": "list",
            "kind": "file",
            "bank": "partner",
            "options": {"url": "https://lists.example/a.csv"},
            "interval_seconds": 900,
        },
    )
    assert added.status_code == 201, added.text
    assert added.json()["interval_seconds"] == 900
    listed = client.get("/v1/exchanges", headers=writer).json()
    assert [x["name"] for x in listed] == ["list"]
    patched = client.patch("/v1/exchanges/list", headers=writer, json={"enabled": False})
    assert patched.status_code == 200 and patched.json()["enabled"] is False
    assert client.get("/v1/exchanges/nope", headers=writer).status_code == 404
    assert client.delete("/v1/exchanges/list", headers=writer).status_code == 204
    assert client.get("/v1/exchanges/list", headers=writer).status_code == 404


def test_credentials_are_never_shown_back(db_url: str) -> None:
    from safeguarding.config import Settings
    from safeguarding.exchanges.vault import new_key
    from safeguarding.server import create_app

    engine = Engine(Settings(database_url=db_url, exchange_key=new_key()))
    engine.banks.create_bank("partner", "test")
    headers = _headers(engine, "banks:write")
    with TestClient(create_app(engine=engine)) as client:
        added = client.post(
            "/v1/exchanges",
            headers=headers,
            json={
                "name": "hotline",
                "kind": "safeguarding",
                "bank": "partner",
                "options": {"url": "https://h.example", "feed": "shared", "token": SECRET},
            },
        )
        assert added.status_code == 201, added.text
        shown = client.get("/v1/exchanges/hotline", headers=headers)
        audit = client.get("/v1/exchanges", headers=headers)
    for answer in (added, shown, audit):
        assert SECRET not in answer.text and "[redacted]" in answer.text
    engine.close()
