"""One length for the platform's ids: whatever the API accepts (256 characters) opens and
joins cases, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from safeguarding.conversation.analyzer import Message
from safeguarding.engine import Engine
from safeguarding.inputs import MAX_ID_CHARS
from safeguarding.server import create_app
from tests.fakes.setup import Fakes, response_engine

LONGEST = "c" * MAX_ID_CHARS
SENDER = "s" * MAX_ID_CHARS
THREAT = [
    Message(SENDER, "i have your pics"),
    Message(SENDER, "pay me $200 or i send them to all your friends and family"),
]


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    instance = response_engine(db_url, Fakes(), conversation_model="none")  # rules suffice
    yield instance
    instance.close()


def test_the_longest_conversation_and_sender_ids_alert(engine: Engine) -> None:
    assert engine.conversations.add_messages(LONGEST, THREAT).alert
    case = engine.cases.get(engine.cases.queue().cases[0].id)
    assert case.subject.conversation_id == LONGEST and case.subject.account_id == SENDER


def test_the_api_takes_exactly_the_ids_cases_take(engine: Engine) -> None:
    token = engine.keys.create("p", ["conversations", "cases"], "t").token
    headers = {"Authorization": f"Bearer {token}"}
    body = {"messages": [{"sender": m.sender, "text": m.text} for m in THREAT]}
    with TestClient(create_app(engine=engine)) as client:
        answer = client.post(f"/v1/conversations/{LONGEST}/messages", json=body, headers=headers)
        assert answer.status_code == 200 and answer.json()["alert"]
        too_long = client.post(f"/v1/conversations/{LONGEST}x/messages", json=body, headers=headers)
        assert too_long.status_code == 422
        report = client.post(
            "/v1/reports",
            headers=headers,
            json={
                "category": "csam",
                "content_id": LONGEST,
                "account_id": LONGEST,
                "reporter_id": LONGEST,
            },
        )
        assert report.status_code == 201, report.text
        assert (
            client.post(
                "/v1/reports",
                headers=headers,
                json={"category": "csam", "content_id": LONGEST + "x"},
            ).status_code
            == 422
        )
    assert engine.cases.queue().total == 2
