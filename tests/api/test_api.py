"""The HTTP API in-process, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image, ImageOps

from safeguarding.demo import generated_image
from tests.media.test_image import png_declaring

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def _bank(client: TestClient, headers: dict[str, str], name: str = "b", **extra: object) -> None:
    response = client.post("/v1/banks", json={"name": name, **extra}, headers=headers)
    assert response.status_code == 201, response.text


def test_health_ready_and_openapi(client: TestClient) -> None:
    assert client.get("/v1/health").json()["status"] == "ok"
    ready = client.get("/v1/ready").json()
    assert ready["ready"] is True
    spec = client.get("/openapi.json").json()
    assert {"/v1/match", "/v1/hash", "/v1/banks", "/v1/banks/{name}/import"} <= set(spec["paths"])
    assert client.get("/docs").status_code == 200


def test_missing_wrong_and_underscoped_keys(
    client: TestClient, matcher_only: dict[str, str]
) -> None:
    missing = client.get("/v1/banks")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong = client.get("/v1/banks", headers={"Authorization": "Bearer sg_nothere1234_" + "x" * 43})
    assert wrong.status_code == 401
    assert client.get("/v1/banks", headers=matcher_only).status_code == 403
    assert client.post("/v1/banks", json={"name": "x"}, headers=matcher_only).status_code == 403


def test_x_api_key_header_works(client: TestClient, admin: dict[str, str]) -> None:
    token = admin["Authorization"].removeprefix("Bearer ")
    assert client.get("/v1/banks", headers={"X-API-Key": token}).status_code == 200


def test_bank_crud(client: TestClient, admin: dict[str, str], reader: dict[str, str]) -> None:
    _bank(client, admin, "ncmec", source="ncmec", action="report", pdq_threshold=20)
    assert client.post("/v1/banks", json={"name": "ncmec"}, headers=admin).status_code == 409
    assert client.post("/v1/banks", json={"name": "bad name"}, headers=admin).status_code == 422
    listed = client.get("/v1/banks", headers=reader).json()
    assert [(b["name"], b["action"], b["pdq_threshold"]) for b in listed] == [
        ("ncmec", "report", 20)
    ]
    patched = client.patch("/v1/banks/ncmec", json={"enabled": False}, headers=admin).json()
    assert patched["enabled"] is False
    assert client.get("/v1/banks/missing", headers=reader).status_code == 404
    assert client.patch("/v1/banks/missing", json={}, headers=admin).status_code == 404
    assert client.delete("/v1/banks/ncmec", headers=reader).status_code == 403
    assert client.delete("/v1/banks/ncmec", headers=admin).status_code == 204
    assert client.get("/v1/banks", headers=reader).json() == []


def test_import_export_and_entries(client: TestClient, admin: dict[str, str]) -> None:
    _bank(client, admin)
    body = f"pdq {PDQ}\nmd5 {'0' * 32}\n"
    first = client.post("/v1/banks/b/import?format=hma", content=body, headers=admin).json()
    again = client.post("/v1/banks/b/import?format=hma", content=body, headers=admin).json()
    assert (first["added"], again["added"], again["already_present"]) == (2, 0, 2)
    bad = client.post("/v1/banks/b/import", content=body + "pdq zz\n", headers=admin)
    assert bad.status_code == 422
    assert bad.json()["error"]["line"] == 3
    exported = client.get("/v1/banks/b/export?format=hma", headers=admin)
    assert exported.text == body
    assert client.get("/v1/banks/b/export?format=xml", headers=admin).status_code == 422
    entries = client.get("/v1/banks/b/entries", headers=admin).json()["entries"]
    assert [e["signal_type"] for e in entries] == ["pdq", "md5"]
    assert (
        client.delete(f"/v1/banks/b/entries/{entries[0]['id']}", headers=admin).status_code == 204
    )
    assert (
        client.delete(f"/v1/banks/b/entries/{entries[0]['id']}", headers=admin).status_code == 404
    )
    assert client.post("/v1/banks/nope/import", content=body, headers=admin).status_code == 404


def test_add_signals_and_match_them(client: TestClient, admin: dict[str, str]) -> None:
    _bank(client, admin, action="block")
    added = client.post(
        "/v1/banks/b/entries",
        json={"signals": [{"type": "pdq", "value": PDQ, "quality": 100}], "labels": ["x"]},
        headers=admin,
    )
    assert added.status_code == 201
    response = client.post(
        "/v1/match/signals",
        json={
            "items": [
                {"id": "upload-1", "signals": [{"type": "pdq", "value": PDQ, "quality": 90}]},
                {"id": "upload-2", "signals": [{"type": "md5", "value": "1" * 32}]},
            ]
        },
        headers=admin,
    ).json()
    first, second = response["results"]
    assert (first["id"], first["matched"], first["action"]) == ("upload-1", True, "block")
    assert first["matches"][0]["labels"] == ["x"]
    assert second["matched"] is False
    bad = client.post(
        "/v1/match/signals",
        json={"items": [{"signals": [{"type": "pdq", "value": "nothex"}]}]},
        headers=admin,
    )
    assert bad.status_code == 422


def test_upload_content_then_match_an_altered_copy(
    client: TestClient, admin: dict[str, str]
) -> None:
    _bank(client, admin)
    original = generated_image(11)
    added = client.post("/v1/banks/b/content", files={"file": ("a.jpg", original)}, headers=admin)
    # PDQ of the image and of two centre crops, MD5, SHA-256
    assert added.json()["added"] == 5
    mirrored = io.BytesIO()
    ImageOps.mirror(Image.open(io.BytesIO(original))).save(mirrored, "JPEG", quality=50)
    response = client.post(
        "/v1/match",
        files=[
            ("file", ("m.jpg", mirrored.getvalue())),
            ("file", ("other.jpg", generated_image(12))),
        ],
        headers=admin,
    )
    hit, miss = response.json()["results"]
    assert hit["matched"] and hit["matches"][0]["variant"] != "original"
    assert not miss["matched"]
    hashed = client.post("/v1/hash", files={"file": ("a.jpg", original)}, headers=admin).json()
    types = [s["type"] for s in hashed["results"][0]["hashes"]["signals"]]
    assert types == ["pdq", "md5", "sha256"]


def test_bad_uploads_get_clear_errors(client: TestClient, admin: dict[str, str]) -> None:
    cases = {
        "empty.jpg": (b"", 422, "empty file"),
        "bomb.png": (png_declaring(50_000, 50_000), 413, "image pixels"),
        "notes.jpg": (b"plain words, not a picture" * 20, 415, "not a recognised"),
        "cut.jpg": (generated_image(1)[:2000], 422, "cannot decode"),
    }
    for name, (data, status, message) in cases.items():
        response = client.post("/v1/match", files={"file": (name, data)}, headers=admin)
        assert response.status_code == status, (name, response.text)
        assert message in response.json()["error"]["message"]
    batch = client.post(
        "/v1/match",
        files=[("file", ("empty.jpg", b"")), ("file", ("ok.jpg", generated_image(2)))],
        headers=admin,
    ).json()["results"]
    assert batch[0]["status"] == 422 and batch[1]["matched"] is False
    assert client.get("/v1/health").status_code == 200  # still up


def test_upload_over_the_size_limit(client: TestClient, admin: dict[str, str]) -> None:
    big = b"\xff\xd8\xff" + b"\x00" * 5_100_000
    response = client.post("/v1/match", files={"file": ("big.jpg", big)}, headers=admin)
    assert response.status_code == 413
    assert response.json()["error"]["limit"] == "request bytes"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        for _ in range(60):
            yield b"x" * 100_000

    _bank(client, admin)
    streamed = client.post("/v1/banks/b/import", content=chunks(), headers=admin)
    assert streamed.status_code == 413


def test_do_not_match_endpoints(client: TestClient, admin: dict[str, str]) -> None:
    _bank(client, admin)
    client.post(
        "/v1/banks/b/entries", json={"signals": [{"type": "pdq", "value": PDQ}]}, headers=admin
    )
    created = client.post(
        "/v1/do-not-match", json={"type": "pdq", "value": PDQ, "reason": "logo"}, headers=admin
    )
    assert created.status_code == 201
    result = client.post(
        "/v1/match/signals",
        json={"items": [{"signals": [{"type": "pdq", "value": PDQ}]}]},
        headers=admin,
    ).json()["results"][0]
    assert result["suppressed"] == ["pdq"] and not result["matched"]
    assert len(client.get("/v1/do-not-match", headers=admin).json()) == 1
    dnm_id = created.json()["id"]
    assert client.delete(f"/v1/do-not-match/{dnm_id}", headers=admin).status_code == 204
    assert client.delete(f"/v1/do-not-match/{dnm_id}", headers=admin).status_code == 404


def test_writes_are_audited_with_the_key(client: TestClient, admin: dict[str, str]) -> None:
    _bank(client, admin)
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.db.read() as session:
        event = engine.audit.recent(session, action="bank.create")[0]
    assert event.actor.startswith("key:") and event.target == "bank:b"


def test_video_upload(client: TestClient, admin: dict[str, str]) -> None:
    from tests.conftest import VIDEOS, require_shared

    require_shared()
    data = Path(VIDEOS / "doorknob-hd-no-bar.mp4").read_bytes()
    response = client.post("/v1/hash", files={"file": ("d.mp4", data)}, headers=admin)
    hashes = response.json()["results"][0]["hashes"]
    assert hashes["kind"] == "video"
    assert hashes["signals"][0]["type"] == "vpdq"
