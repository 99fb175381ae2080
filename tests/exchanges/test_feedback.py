"""Feedback upstream, on SQLite and PostgreSQL: a reviewer's verdict on a match to an entry
an exchange lists is written to the outbox with the decision and sent as the exchange's
kind allows: StopNCII's SubmitFeedback (Blocked, NotBlocked) and a Safeguarding publisher's
outcomes endpoint. A failed send waits in the outbox and is retried; a retry counts once
upstream; an exchange configured without a way to send feedback is sent nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from safeguarding.delivery.model import DeliveryStatus
from safeguarding.delivery.tables import OutboxRow
from safeguarding.engine import Engine
from safeguarding.exchanges.feedback import CHANNEL
from tests.exchanges.verdicts import (
    PDQS,
    decide,
    follow,
    publisher_and_subscriber,
    verdict_engine,
    waiting,
)
from tests.fakes.loopback import Loopback
from tests.fakes.stopncii import FakeStopNcii

KEYS = {"subscription_key": "sub-key", "fetch_key": "fetch-key"}


# --- StopNCII -------------------------------------------------------------------------------
@pytest.fixture
def stopncii(db_url: str) -> Iterator[tuple[Engine, FakeStopNcii, str]]:
    """An engine, the fake and its base URL on 127.0.0.1."""
    fake = FakeStopNcii()
    for i, value in enumerate(PDQS):
        fake.put("ImagePDQ", value, [f"case-{i}"])
    engine = verdict_engine(db_url)
    engine.banks.create_bank("ncii", "test")
    with Loopback(fake.app()) as server:
        yield engine, fake, f"{server.url}/v1"
    engine.close()


def test_stopncii_hears_blocked_and_not_blocked(stopncii: tuple[Engine, FakeStopNcii, str]) -> None:
    engine, fake, url = stopncii
    engine.exchanges.add(
        "stopncii",
        "stopncii",
        "ncii",
        {"url": url, **KEYS, "feedback_key": "feedback-key"},
        "alice",
    )
    engine.fetcher.fetch("stopncii")
    decide(engine, PDQS[0], "confirm")
    decide(engine, PDQS[1], "false_positive")
    assert fake.feedback == []  # written with the decisions, not yet sent
    assert waiting(engine) == [(DeliveryStatus.PENDING, 0)] * 2
    fake.refuse_feedback = 1  # the first send fails: it waits and is tried again
    engine.outbox.run_once(CHANNEL)
    assert sorted(waiting(engine)) == [(DeliveryStatus.DELIVERED, 1), (DeliveryStatus.PENDING, 1)]
    engine.outbox.run_once(CHANNEL)
    assert sorted(fake.feedback) == sorted([(PDQS[0], "Blocked"), (PDQS[1], "NotBlocked")])
    assert {s for s, _ in waiting(engine)} == {DeliveryStatus.DELIVERED}
    sent = [r for r in fake.requests if r.url.path.endswith("SubmitFeedback")]
    assert {r.headers["x-functions-key"] for r in sent} == {"feedback-key"}
    # StopNCII shows it back on the record
    assert fake.records[("ImagePDQ", PDQS[0])]["CSPFeedbacks"][0]["feedbackValue"] == "Blocked"


def test_stopncii_without_a_feedback_key_is_sent_nothing(
    stopncii: tuple[Engine, FakeStopNcii, str],
) -> None:
    engine, fake, url = stopncii
    engine.exchanges.add("stopncii", "stopncii", "ncii", {"url": url, **KEYS}, "a")
    engine.fetcher.fetch("stopncii")
    decide(engine, PDQS[0], "confirm")
    assert waiting(engine) == [] and fake.feedback == []


def test_a_refused_feedback_key_leaves_the_feedback_waiting(
    stopncii: tuple[Engine, FakeStopNcii, str],
) -> None:
    engine, fake, url = stopncii
    engine.exchanges.add(
        "stopncii",
        "stopncii",
        "ncii",
        {"url": url, **KEYS, "feedback_key": "wrong"},
        "alice",
    )
    engine.fetcher.fetch("stopncii")
    decide(engine, PDQS[2], "confirm")
    engine.outbox.run_once(CHANNEL)
    (item,) = [i for i in engine.outbox.items() if i.channel == CHANNEL]
    assert item.status is DeliveryStatus.PENDING and "refused our credentials" in (
        item.last_error or ""
    )
    assert "wrong" not in (item.last_error or "") and fake.feedback == []


# --- a Safeguarding publisher -----------------------------------------------------------------
@pytest.fixture
def instance(db_url: str, tmp_path: Path) -> Iterator[tuple[Engine, TestClient]]:
    with publisher_and_subscriber(db_url, tmp_path) as both:
        yield both


def test_a_publisher_counts_its_subscribers_verdicts_once(
    instance: tuple[Engine, TestClient],
) -> None:
    engine, _ = instance
    follow(engine)
    decide(engine, PDQS[0], "confirm")
    decide(engine, PDQS[1], "false_positive")
    # only the mirror's entries came from an exchange: one item each, not two
    assert len(waiting(engine)) == 2
    assert engine.outbox.run_once(CHANNEL) == 2
    counts = {
        o.value: (o.subscribers_matched, o.subscribers_removed, o.subscribers_false_positive)
        for o in engine.feeds.entry_outcomes("shared")
    }
    assert counts == {PDQS[0]: (1, 1, 0), PDQS[1]: (1, 0, 1)}
    # a delivery sent again (a worker died before marking it sent) counts once
    item = next(i for i in engine.outbox.items() if i.channel == CHANNEL)
    with engine.db.write() as session:
        row = session.get(OutboxRow, item.id)
        assert row is not None
        row.status = DeliveryStatus.PENDING.value
    engine.outbox.run_once(CHANNEL)
    assert sum(o.matched for o in engine.feeds.entry_outcomes("shared")) == 2


def test_feedback_waits_while_the_publisher_refuses_the_key(
    instance: tuple[Engine, TestClient],
) -> None:
    engine, _ = instance
    key_id = follow(engine)
    engine.feeds.revoke(key_id, "shared", "hotline-admin")
    decide(engine, PDQS[2], "confirm")
    assert engine.outbox.run_once(CHANNEL) == 0
    assert waiting(engine) == [(DeliveryStatus.PENDING, 1)]
    engine.feeds.grant(key_id, "shared", "hotline-admin")
    assert engine.outbox.run_once(CHANNEL) == 1
    (outcome,) = engine.feeds.entry_outcomes("shared")
    assert (outcome.value, outcome.removed) == (PDQS[2], 1)
