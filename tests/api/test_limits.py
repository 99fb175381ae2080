"""The API checks the key before it reads a byte of the body, and caps JSON bodies at the
largest batch it accepts, apart from uploads."""

from __future__ import annotations

import json
from collections.abc import Iterator

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.hashing.vpdq import VpdqFrame, format_frames
from safeguarding.server import create_app

PDQ = "f" * 64


def _raw_post(app: FastAPI, path: str, headers: dict[str, str], body: bytes) -> tuple[int, int]:
    """POST straight through ASGI: the status, and how many body chunks the app read."""
    chunks = [body[i : i + 65_536] for i in range(0, len(body), 65_536)]
    read = 0
    status = 0

    async def receive() -> dict[str, object]:
        nonlocal read
        if read < len(chunks):
            read += 1
            return {
                "type": "http.request",
                "body": chunks[read - 1],
                "more_body": read < len(chunks),
            }
        await anyio.sleep_forever()
        raise AssertionError  # pragma: no cover

    async def send(message: dict[str, object]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])  # type: ignore[call-overload]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "client": ("203.0.113.9", 40000),
        "server": ("testserver", 80),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        + [(b"content-length", str(len(body)).encode())],
    }
    anyio.run(app, scope, receive, send)  # type: ignore[arg-type]
    return status, read


def _multipart(size: int) -> tuple[bytes, str]:
    boundary = "sgboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="a.png"\r\nContent-Type: image/png\r\n\r\n'
    ).encode()
    body += b"\0" * size + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("credentials", ["none", "wrong scope", "unknown key"])
def test_no_body_byte_is_read_before_the_key_is_checked(
    client: TestClient, reader: dict[str, str], credentials: str
) -> None:
    headers = {
        "none": {},
        "wrong scope": reader,
        "unknown key": {"Authorization": "Bearer sg_000000000000_" + "a" * 43},
    }[credentials]
    expected = 403 if credentials == "wrong scope" else 401
    upload, multipart = _multipart(1_000_000)
    batch = json.dumps({"items": [{"signals": [{"type": "pdq", "value": PDQ}]}] * 5000})
    for path, content_type, body in [
        ("/v1/match", multipart, upload),
        ("/v1/match/signals", "application/json", batch.encode()),
        ("/v1/banks/b/import", "text/plain", b"pdq " + PDQ.encode() + b"\n" * 100_000),
    ]:
        status, read = _raw_post(
            client.app,  # type: ignore[arg-type]
            path,
            {**headers, "content-type": content_type},
            body,
        )
        assert (status, read) == (expected, 0), path


@pytest.fixture
def small_json(db_url: str) -> Iterator[TestClient]:
    engine = Engine(
        Settings(database_url=db_url, max_json_bytes=10_000, max_upload_bytes=5_000_000)
    )
    with TestClient(create_app(engine=engine)) as test_client:
        yield test_client
    engine.close()


def test_json_bodies_have_their_own_cap(small_json: TestClient) -> None:
    engine: Engine = small_json.app.state.engine  # type: ignore[attr-defined]
    key = {"Authorization": f"Bearer {engine.keys.create('t', ['admin'], 't').token}"}
    items = [{"signals": [{"type": "pdq", "value": PDQ}]}] * 200  # ~17 KB of JSON
    refused = small_json.post("/v1/match/signals", json={"items": items}, headers=key)
    assert refused.status_code == 413
    assert refused.json()["error"] == {
        "type": "MediaLimitError",
        "limit": "request bytes",
        "message": "request body exceeds the limit of 10000 bytes",
    }
    assert (
        small_json.post("/v1/match/signals", json={"items": items[:50]}, headers=key).status_code
        == 200
    )
    # an upload of the same size is under the upload limit, not the JSON one
    image = small_json.post("/v1/hash", files={"file": ("a.txt", b"x" * 20_000)}, headers=key)
    assert image.status_code == 415
    # a form post to the pages is capped like JSON
    login = small_json.post("/login", data={"username": "x" * 20_000, "password": "p"})
    assert login.status_code == 413


def test_the_json_cap_holds_the_largest_batch_and_not_much_more(
    client: TestClient, matcher_only: dict[str, str]
) -> None:
    """The arithmetic of docs/configuration.md (`max_json_bytes`), done for real."""
    settings = Settings()
    item = {
        "id": "i" * 200,
        "account_id": "a" * 200,
        "uploader_ip": "2001:db8::1",
        "uploader_port": 65535,
        "screen_name": "s" * 200,
        "uploaded_at": "2026-11-30T10:00:00.123456+00:00",
        "surface": "p" * 64,
        "signals": [
            {"type": "pdq", "value": PDQ, "quality": 100},
            {"type": "md5", "value": "0" * 32},
            {"type": "sha256", "value": "0" * 64},
        ],
    }
    frames = [VpdqFrame(n, 100, PDQ, n + 10_000.5) for n in range(settings.max_video_frames)]
    video = {"id": "v" * 200, "signals": [{"type": "vpdq", "value": format_frames(frames)}]}
    batch = {"items": [item] * 999 + [video]}
    size = len(json.dumps(batch).encode())
    assert size < settings.max_json_bytes < 1.5 * size
    answer = client.post(
        "/v1/match/signals",
        content=json.dumps(batch),
        headers={**matcher_only, "Content-Type": "application/json"},
    )
    assert answer.status_code == 200, answer.text[:300]
    assert len(answer.json()["results"]) == 1000


def test_ready_tells_anonymous_callers_no_addresses(client: TestClient, api_engine: Engine) -> None:
    assert client.get("/v1/ready").status_code == 200
    # a database that has gone away, with the driver's real error (it names host and port)
    working = api_engine.db.engine
    api_engine.db.engine = create_engine(
        "postgresql+psycopg://sg@127.0.0.1:9/sg", connect_args={"connect_timeout": 2}
    )
    try:
        answer = client.get("/v1/ready")
    finally:
        api_engine.db.engine.dispose()
        api_engine.db.engine = working
    assert answer.status_code == 503
    assert answer.json()["checks"]["database"] is False
    assert "127.0.0.1" not in answer.text and "port" not in answer.text
