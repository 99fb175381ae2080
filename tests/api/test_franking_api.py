"""The franking endpoints: a relay's key stamps, the platform's key sends franked reports;
forged reports are a 422 naming the message and the reason, and store nothing."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from safeguarding.config import Settings
from safeguarding.device.franking import (
    Message,
    build_report,
    frank,
    open_franked,
    parse_stamp,
    report_window,
)
from safeguarding.engine import Engine
from safeguarding.server import create_app
from tests.api.conftest import _headers
from tests.device.conftest import Clock
from tests.franking.conftest import key_file, server_world
from tests.franking.test_service import stored


@pytest.fixture
def franking_client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    engine = Engine(Settings(database_url=db_url, franking_key_file=str(key_file(tmp_path))))
    with TestClient(create_app(engine=engine)) as client:
        yield client
    engine.close()


def engine_of(client: TestClient) -> Engine:
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    return engine


def test_a_relay_stamps_and_the_recipient_accepts(franking_client: TestClient) -> None:
    engine = engine_of(franking_client)
    engine.franking.clock = clock = Clock()
    franked = frank(Message("c1", "alice", 1, "see you at practice"))
    answer = franking_client.post(
        "/v1/franking/stamp",
        headers=_headers(engine, "franking"),
        json={
            "messages": [
                {
                    "commitment": base64.b64encode(franked.commitment).decode(),
                    "sender_id": "alice",
                    "recipient_id": "bob",
                    "conversation_id": "c1",
                }
            ]
        },
    )
    assert answer.status_code == 200, answer.text
    stamp = base64.b64decode(answer.json()["stamps"][0])
    assert parse_stamp(stamp).commitment == franked.commitment
    got = open_franked(
        franked.body,
        stamp,
        sender_id="alice",
        recipient_id="bob",
        conversation_id="c1",
        at_ms=clock.now,
    )
    assert got.message.text == "see you at practice"


def test_stamping_needs_the_franking_scope_and_good_input(franking_client: TestClient) -> None:
    engine = engine_of(franking_client)
    engine.franking.clock = Clock()
    one: dict[str, object] = {
        "commitment": base64.b64encode(b"\x01" * 32).decode(),
        "sender_id": "a",
        "recipient_id": "b",
        "conversation_id": "c",
    }
    relay = _headers(engine, "franking")
    assert franking_client.post("/v1/franking/stamp", json={"messages": [one]}).status_code == 401
    assert (
        franking_client.post(
            "/v1/franking/stamp", headers=_headers(engine, "cases"), json={"messages": [one]}
        ).status_code
        == 403
    )
    messages: list[dict[str, object]]
    for messages in (
        [],
        [{**one, "commitment": "%%%"}],
        [{**one, "commitment": base64.b64encode(b"x").decode()}],
        [{**one, "sender_id": "a\u0000"}],
        [{**one, "extra": 1}],
        [one] * 1001,
    ):
        answer = franking_client.post(
            "/v1/franking/stamp", headers=relay, json={"messages": messages}
        )
        assert answer.status_code == 422, (messages[:1], answer.text)


def test_a_franked_report_opens_a_case_and_forgeries_are_refused(
    franking_client: TestClient,
) -> None:
    engine = engine_of(franking_client)
    world = server_world(engine)
    platform = _headers(engine, "cases")
    items = report_window(world.history["bob"], [4], before=1, after=1, blobs=world.blobs)
    forged = build_report(
        [
            items[0],
            dataclasses.replace(items[1], body=items[1].body.replace(b"don't tell", b"won't tell")),
            items[2],
        ]
    )
    before = stored(engine)
    answer = franking_client.post(
        "/v1/reports/franked",
        headers=platform,
        files={"report": ("report.sgr", forged, "application/octet-stream")},
        data={"reporter_id": "bob", "category": "grooming"},
    )
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["reason"] == "commitment" and error["index"] == 1
    assert stored(engine) == before
    assert (
        franking_client.post(
            "/v1/reports/franked",
            headers=_headers(engine, "franking"),
            files={"report": ("r", build_report(items), "application/octet-stream")},
            data={"reporter_id": "bob", "category": "grooming"},
        ).status_code
        == 403
    )
    answer = franking_client.post(
        "/v1/reports/franked",
        headers=platform,
        files={"report": ("report.sgr", build_report(items), "application/octet-stream")},
        data={"reporter_id": "bob", "category": "grooming", "reason": "asked to keep secret"},
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["created"] and body["verified"] == {
        "conversation_id": "c1",
        "messages": 3,
        "reported": 1,
        "omitted": {"mallory": 0, "bob": 0},
    }
    assert len(body["previews"]) == 1
    case = franking_client.get(f"/v1/cases/{body['id']}", headers=platform).json()
    assert case["status"] == "new"


def test_without_a_key_file_both_endpoints_answer_404(
    client: TestClient, api_engine: Engine
) -> None:
    one = {
        "commitment": base64.b64encode(b"\x01" * 32).decode(),
        "sender_id": "a",
        "recipient_id": "b",
        "conversation_id": "c",
    }
    assert (
        client.post(
            "/v1/franking/stamp", headers=_headers(api_engine, "franking"), json={"messages": [one]}
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/v1/reports/franked",
            headers=_headers(api_engine, "cases"),
            files={"report": ("r", b"SGR\x01", "application/octet-stream")},
            data={"reporter_id": "bob", "category": "other"},
        ).status_code
        == 404
    )
