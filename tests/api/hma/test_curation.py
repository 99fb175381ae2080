"""HMA's curation endpoints (/hma/c/...), each checked against the shape HMA documents
(OpenMediaMatch/blueprints/curation.py and schemas/curation.py in facebook/ThreatExchange):
a bank is {"name", "matching_enabled_ratio"}; adding content answers
{"id": 1234, "signals": {"pdq": "...", ...}}; errors are {"message": "..."}."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from safeguarding.demo import generated_image
from safeguarding.engine import Engine

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def test_banks_create_list_show_update_delete(
    client: TestClient, admin: dict[str, str], reader: dict[str, str]
) -> None:
    created = client.post("/hma/c/banks", json={"name": "TEST_BANK"}, headers=admin)
    assert created.status_code == 201
    assert created.json() == {"name": "TEST_BANK", "matching_enabled_ratio": 1.0}
    off = client.post("/hma/c/banks", json={"name": "OFF_BANK", "enabled": False}, headers=admin)
    assert off.json() == {"name": "OFF_BANK", "matching_enabled_ratio": 0.0}
    listed = client.get("/hma/c/banks", headers=reader).json()
    assert {"name": "TEST_BANK", "matching_enabled_ratio": 1.0} in listed
    assert {"name": "OFF_BANK", "matching_enabled_ratio": 0.0} in listed
    assert client.get("/hma/c/bank/TEST_BANK", headers=reader).json()["name"] == "TEST_BANK"
    updated = client.put("/hma/c/bank/TEST_BANK", json={"enabled_ratio": 0.0}, headers=admin)
    assert updated.json() == {"name": "TEST_BANK", "matching_enabled_ratio": 0.0}
    assert client.get("/v1/banks/TEST_BANK", headers=reader).json()["enabled"] is False
    deleted = client.delete("/hma/c/bank/TEST_BANK", headers=admin)
    assert deleted.json() == {"message": "Done"}
    missing = client.get("/hma/c/bank/TEST_BANK", headers=reader)
    assert missing.status_code == 404 and "TEST_BANK" in missing.json()["message"]


def test_bank_errors_in_hma_shape(client: TestClient, admin: dict[str, str]) -> None:
    client.post("/hma/c/banks", json={"name": "TEST_BANK"}, headers=admin)
    again = client.post("/hma/c/banks", json={"name": "TEST_BANK"}, headers=admin)
    assert again.status_code == 403 and set(again.json()) == {"message"}
    for body, says in (
        ({"name": "HALF", "enabled_ratio": 0.5}, "enabled_ratio must be 0 or 1"),
        ({"name": "bad name!"}, "invalid bank name"),
        ({}, "name"),
    ):
        refused = client.post("/hma/c/banks", json=body, headers=admin)
        assert refused.status_code == 400, body
        assert says in refused.json()["message"]
    rename = client.put("/hma/c/bank/TEST_BANK", json={"name": "OTHER"}, headers=admin)
    assert rename.status_code == 400 and "renaming" in rename.json()["message"]


def test_scopes_are_our_routes_scopes(
    client: TestClient, reader: dict[str, str], matcher_only: dict[str, str]
) -> None:
    assert client.get("/hma/c/banks").status_code == 401
    assert client.get("/hma/c/banks", headers=matcher_only).status_code == 403
    assert client.post("/hma/c/banks", json={"name": "X"}, headers=reader).status_code == 403
    assert client.delete("/hma/c/bank/X", headers=reader).status_code == 403
    assert "message" in client.get("/hma/c/banks").json()


def test_add_signals_then_lookup_and_remove(
    client: TestClient, admin: dict[str, str], api_engine: Engine
) -> None:
    client.post("/hma/c/banks", json={"name": "TEST_BANK"}, headers=admin)
    added = client.post("/hma/c/bank/TEST_BANK/signal", json={"pdq": PDQ}, headers=admin)
    assert added.status_code == 200
    body = added.json()
    assert body["signals"] == {"pdq": PDQ} and isinstance(body["id"], int)
    found = client.get(
        "/hma/m/lookup", params={"signal_type": "pdq", "signal": PDQ}, headers=admin
    ).json()
    assert found == {"TEST_BANK": [{"bank_content_id": body["id"], "distance": "0"}]}
    removed = client.delete(f"/hma/c/bank/TEST_BANK/content/{body['id']}", headers=admin)
    assert removed.json() == {"deleted": 1}
    assert (
        client.get(
            "/hma/m/lookup", params={"signal_type": "pdq", "signal": PDQ}, headers=admin
        ).json()
        == {}
    )
    bad = client.post("/hma/c/bank/TEST_BANK/signal", json={"pdq": "nothex"}, headers=admin)
    assert bad.status_code == 400 and "pdq" in bad.json()["message"]
    unknown = client.post("/hma/c/bank/NOPE/signal", json={"pdq": PDQ}, headers=admin)
    assert unknown.status_code == 404


def test_add_content_upload_with_metadata(
    client: TestClient, admin: dict[str, str], api_engine: Engine
) -> None:
    client.post("/hma/c/banks", json={"name": "TEST_BANK"}, headers=admin)
    meta = {"content_id": "upload-7", "content_uri": "https://example.org/7", "json": {"a": 1}}
    added = client.post(
        "/hma/c/bank/TEST_BANK/content",
        files={"photo": ("a.jpg", generated_image(21))},
        data={"metadata": json.dumps(meta), "note": "from a test"},
        headers=admin,
    )
    assert added.status_code == 200, added.text
    body = added.json()
    assert set(body["signals"]) == {"pdq", "md5", "sha256"}
    entries = {e.id: e for e in api_engine.banks.entries("TEST_BANK")}
    first = entries[body["id"]]
    assert first.signal_type == "pdq" and first.value == body["signals"]["pdq"]
    assert first.source_ref == "upload-7"
    assert first.metadata == {
        "content_uri": "https://example.org/7",
        "json": {"a": 1},
        "note": "from a test",
    }
    wrong_field = client.post(
        "/hma/c/bank/TEST_BANK/content", files={"file": ("a.jpg", b"x")}, headers=admin
    )
    assert wrong_field.status_code == 400
    assert wrong_field.json()["message"] == "no such content_type: 'file'"
    bad_meta = client.post(
        "/hma/c/bank/TEST_BANK/content",
        files={"photo": ("a.jpg", generated_image(22))},
        data={"metadata": json.dumps({"owner": "x"})},
        headers=admin,
    )
    assert bad_meta.status_code == 400 and "metadata" in bad_meta.json()["message"]
    nothing = client.post("/hma/c/bank/TEST_BANK/content", headers=admin)
    assert nothing.status_code == 400
    assert nothing.json()["message"] == "Neither `url` nor multipart file upload was received"
    # a refused request added nothing
    assert len(api_engine.banks.entries("TEST_BANK")) == len(entries)
