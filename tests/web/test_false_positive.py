"""End to end: a blocking match of a padded file reaches the platform as `remove_content`; a
reviewer calls it a false positive in the browser pages; the platform gets
`restore_content`, and no view of that file (again, re-encoded, turned, cropped, the picture
inside its border) matches or asks for removal again."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from safeguarding.banks.model import Action
from safeguarding.engine import Engine
from safeguarding.server import create_app
from tests.cases.test_do_not_match import LISTED, PADDED, VARIANTS
from tests.fakes.receiver import ReceiverServer
from tests.fakes.setup import SECRET, Fakes, bank_of, response_engine, users
from tests.web.conftest import sign_in


@pytest.fixture
def receiver() -> Iterator[ReceiverServer]:
    server = ReceiverServer(SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def platform(sqlite_url: str, receiver: ReceiverServer) -> Iterator[Engine]:
    engine = response_engine(sqlite_url, Fakes(), webhook_url=receiver.url)
    users(engine)
    bank_of(engine, [LISTED], "hotline", Action.BLOCK)
    yield engine
    engine.close()


def test_a_false_positive_is_never_removed_again(
    platform: Engine, receiver: ReceiverServer
) -> None:
    token = platform.keys.create("platform", ["match"], "test").token
    api = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(engine=platform), follow_redirects=False) as client:
        first = client.post(
            "/v1/match",
            headers=api,
            files={"file": ("up.jpg", PADDED)},
            data={"content_id": "post-1", "account_id": "acct-1"},
        )
        result = first.json()["results"][0]
        assert result["action"] == "block" and result["case"]["created"]
        platform.outbox.run_once()
        assert [(e["event"], e["actions"]) for e in receiver.events] == [
            ("case.policy_action", ["remove_content"])
        ]

        csrf = sign_in(client, "rita")
        case_id = result["case"]["id"]
        page = client.get(f"/cases/{case_id}").text
        version = re.search(r'name="version" value="(\d+)"', page)
        assert version is not None
        decided = client.post(
            f"/cases/{case_id}/decision",
            data={
                "decision": "false_positive",
                "reason": "a holiday photo",
                "csrf_token": csrf,
                "version": version.group(1),
            },
        )
        assert decided.status_code == 303, decided.text
        platform.outbox.run_once()
        assert receiver.events[-1]["event"] == "case.decided"
        assert receiver.events[-1]["actions"] == ["restore_content"]

        platform.matcher.refresh()
        for i, (name, data) in enumerate(VARIANTS.items()):
            answer = client.post(
                "/v1/match",
                headers=api,
                files={"file": ("v.jpg", data)},
                data={"content_id": f"post-{i + 2}"},
            ).json()["results"][0]
            assert not answer["matched"] and "case" not in answer, name
        platform.outbox.run_once()
    removals = [e for e in receiver.events if "remove_content" in e.get("actions", [])]
    assert [e["content_id"] for e in removals] == ["post-1"]
    assert receiver.rejected == 0
