"""Conversation state in the database, on SQLite and PostgreSQL: survives restarts, keeps
concurrent writers from losing messages, and drops excerpts after the retention period."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest

from safeguarding.audit.events import Event
from safeguarding.config import Settings
from safeguarding.conversation.analyzer import Message
from safeguarding.engine import Engine
from safeguarding.errors import NotFoundError
from safeguarding.store.models import utcnow
from tests.conversation.conftest import chat


@pytest.fixture
def rules_engine(db_url: str) -> Iterator[Engine]:
    instance = Engine(Settings(database_url=db_url, conversation_model="none"))
    yield instance
    instance.close()


THREAT = chat(
    "x: hey whats up",
    "x: i'll post your pics for all your followers unless you pay",
    "k: please no",
)


def test_state_survives_a_restart(db_url: str, rules_engine: Engine) -> None:
    first = rules_engine.conversations.add_messages(
        "c1", THREAT[:1], participants={"k": {"age": 15}}
    )
    assert not first.alert
    restarted = Engine(Settings(database_url=db_url, conversation_model="none"))
    try:
        second = restarted.conversations.add_messages("c1", THREAT[1:])
        assert second.alert and second.category == "sextortion"
        assert second.first_alert_index == 1 and second.messages == 3
        assert restarted.conversations.risk("c1").as_dict() == second.as_dict()
        with restarted.db.read() as session:
            events = restarted.audit.recent(session, action=Event.CONVERSATION_ALERT)
        assert [e.target for e in events] == ["c1"]
    finally:
        restarted.close()


def test_text_is_kept_only_for_tactic_messages_and_not_for_long(rules_engine: Engine) -> None:
    service = rules_engine.conversations
    service.add_messages("c2", chat("a: my cat is called biscuit", "a: are your parents home?"))

    def stored() -> str:
        with rules_engine.db.read() as session:
            row = service.store.get(session, "c2")
            assert row is not None
            return str(row.state)

    assert "biscuit" not in stored() and "parents home" in stored()
    # Not shown while the conversation has not alerted...
    assert "excerpt" not in service.risk("c2").evidence[0]
    # ...and gone once the pending window has passed.
    with rules_engine.db.write() as session:
        assert (
            service.store.purge_excerpts(
                session, timedelta(days=90), timedelta(hours=24), now=utcnow() + timedelta(hours=25)
            )
            == 1
        )
    assert "parents home" not in stored()


def test_unknown_conversation(rules_engine: Engine) -> None:
    with pytest.raises(NotFoundError):
        rules_engine.conversations.risk("nope")


def test_concurrent_writers_lose_no_message(rules_engine: Engine) -> None:
    errors: list[BaseException] = []

    def send(sender: str) -> None:
        try:
            for i in range(10):
                rules_engine.conversations.add_messages("busy", [Message(sender, f"msg {i}")])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(s,)) for s in "abcd"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert rules_engine.conversations.risk("busy").messages == 40


def test_purge_drops_old_excerpts_only(rules_engine: Engine) -> None:
    service = rules_engine.conversations
    service.add_messages("old", THREAT)
    assert any("excerpt" in e for e in service.risk("old").evidence)
    with rules_engine.db.write() as session:
        assert service.store.purge_excerpts(session, timedelta(days=1), timedelta(hours=1)) == 0
        # Alerted: the pending window does not apply, the retention period does.
        assert (
            service.store.purge_excerpts(
                session, timedelta(days=1), timedelta(hours=1), now=utcnow() + timedelta(hours=2)
            )
            == 0
        )
        assert (
            service.store.purge_excerpts(
                session, timedelta(days=1), timedelta(hours=1), now=utcnow() + timedelta(days=2)
            )
            == 1
        )
    assessment = service.risk("old")
    assert assessment.alert and assessment.evidence
    assert not any("excerpt" in e for e in assessment.evidence)
