from __future__ import annotations

from fastapi.testclient import TestClient

from safeguarding.engine import Engine

SEXTORTION = [
    {"sender": "x", "text": "hey cutie add me on snap", "ts": "2026-11-01T10:00:00Z"},
    {
        "sender": "x",
        "text": "pay $200 or everyone at your school will see them",
        "ts": "2026-11-01T10:01:00Z",
    },
]


def _key(engine: Engine, *scopes: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {engine.keys.create('c', list(scopes), 't').token}"}


def test_stream_messages_and_read_the_risk(client: TestClient, api_engine: Engine) -> None:
    headers = _key(api_engine, "conversations")
    first = client.post(
        "/v1/conversations/chat-1/messages",
        headers=headers,
        json={"messages": SEXTORTION[:1], "participants": {"k": {"age": 15}}},
    )
    assert first.status_code == 200, first.text
    assert first.json()["alert"] is False
    second = client.post(
        "/v1/conversations/chat-1/messages", headers=headers, json={"messages": SEXTORTION[1:]}
    )
    body = second.json()
    assert body["alert"] and body["category"] == "sextortion" and body["tier"] == "urgent"
    assert body["first_alert_index"] == 1 and body["offender"] == "x"
    # each evidence message keeps the time it was sent with
    assert body["evidence"] and all(
        e["ts"] == SEXTORTION[e["index"]]["ts"] for e in body["evidence"]
    )
    risk = client.get("/v1/conversations/chat-1/risk", headers=headers)
    assert risk.json() == body


def test_scopes_and_errors(client: TestClient, api_engine: Engine) -> None:
    ok = _key(api_engine, "conversations")
    url = "/v1/conversations/c/messages"
    assert client.post(url, json={"messages": SEXTORTION}).status_code == 401
    assert (
        client.post(
            url, headers=_key(api_engine, "match"), json={"messages": SEXTORTION}
        ).status_code
        == 403
    )
    assert client.get("/v1/conversations/unknown/risk", headers=ok).status_code == 404
    assert client.post(url, headers=ok, json={"messages": []}).status_code == 422
    assert client.post(url, headers=ok, json={"messages": [{"sender": "a"}]}).status_code == 422
    assert (
        client.post(url, headers=ok, json={"messages": [{"sender": "", "text": "x"}]}).status_code
        == 422
    )
    huge = client.post(
        url, headers=ok, json={"messages": [{"sender": "a", "text": "x" * 1_100_000}]}
    )
    assert huge.status_code == 413
    assert "exceeds the limit" in huge.json()["error"]["message"]
    # Nothing was stored by the refused call.
    assert client.get("/v1/conversations/c/risk", headers=ok).status_code == 404
