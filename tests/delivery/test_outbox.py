"""Webhook delivery through the outbox to a real receiver on 127.0.0.1: down for a while
then back, a worker killed mid-delivery, forged and stale signatures."""

from __future__ import annotations

import json
import shutil
import socket
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from safeguarding.cases import intake
from safeguarding.cases.model import Status, Subject
from safeguarding.delivery.model import DeliveryStatus
from safeguarding.delivery.receiver import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    SignatureError,
    WebhookReceiver,
    sign,
    verify,
)
from safeguarding.delivery.tables import OutboxRow
from safeguarding.engine import Engine
from safeguarding.store.instance import INSTANCE_ID, stored_value
from safeguarding.store.models import utcnow
from tests.fakes.receiver import ReceiverServer
from tests.fakes.setup import SECRET, Fakes, response_engine, users


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def port() -> int:
    return _free_port()


@pytest.fixture
def engine(db_url: str, port: int) -> Iterator[Engine]:
    instance = response_engine(
        db_url, Fakes(), webhook_url=f"http://127.0.0.1:{port}/hooks", webhook_max_attempts=50
    )
    instance.outbox.base_delay = 0.0  # retry at once in tests
    yield instance
    instance.close()


def _open(engine: Engine, n: int) -> list[int]:
    return [
        engine.cases.open(intake.from_user_report("other", "", Subject(f"c{i}")), "t").case.id
        for i in range(n)
    ]


def test_receiver_down_then_back_gets_each_action_once_in_order(engine: Engine, port: int) -> None:
    reviewer, _, _ = users(engine)
    ids = _open(engine, 3)
    for case_id in ids:
        engine.cases.decide(case_id, reviewer, "confirm", "seen", version=1)
    assert engine.outbox.run_once() == 0  # nobody listening: nothing lost
    assert engine.outbox.run_once() == 0
    receiver = ReceiverServer(SECRET, port).start()
    try:
        delivered = engine.outbox.run_once()
    finally:
        receiver.stop()
    assert delivered == 6  # case.opened and case.decided for each of three cases
    events = [(e["event"], e["case_id"]) for e in receiver.events]
    assert events == [("case.opened", i) for i in ids] + [("case.decided", i) for i in ids]
    assert receiver.rejected == 0
    # actioned; closing waits for the report drafts to be approved and accepted
    assert all(engine.cases.get(i).status is Status.ACTIONED for i in ids)


def test_a_worker_killed_mid_delivery_is_redelivered_and_deduplicated(
    engine: Engine, port: int
) -> None:
    _open(engine, 1)
    receiver = ReceiverServer(SECRET, port).start()
    try:
        delivery = engine.outbox._claim("webhook")  # a worker takes it ...
        assert delivery is not None
        handler, _, _ = engine.outbox._handlers["webhook"]
        handler(delivery)  # ... sends it, and dies before recording that it did
        assert engine.outbox.run_once() == 0  # the lease still holds
        # its lease runs out (moved back, not waited for: a loaded machine can take longer
        # than a short lease between two lines)
        with engine.db.write() as session:
            session.execute(update(OutboxRow).values(lease_until=utcnow() - timedelta(seconds=1)))
        assert engine.outbox.run_once() == 1  # lease expired: sent again
    finally:
        receiver.stop()
    assert receiver.requests == 2 and len(receiver.events) == 1
    assert engine.outbox.counts() == {"delivered": 1}


def test_a_receiver_that_never_answers_ends_dead_and_can_be_retried(engine: Engine) -> None:
    engine.outbox.max_attempts = 2
    _open(engine, 1)
    engine.outbox.run_once()
    engine.outbox.run_once()
    assert engine.outbox.counts() == {"dead": 1}
    dead = engine.outbox.items(status=DeliveryStatus.DEAD)[0]
    assert "ConnectError" in (dead.last_error or "")
    engine.outbox.retry(dead.id, "user:ada")
    assert engine.outbox.counts() == {"pending": 1}


def _signed(body: bytes, secret: str = SECRET, at: int | None = None) -> dict[str, str]:
    return {SIGNATURE_HEADER: sign(secret, body, at), IDEMPOTENCY_HEADER: "k1"}


def test_the_receiver_helper_rejects_forged_altered_and_stale_webhooks() -> None:
    body = json.dumps({"event": "case.decided"}).encode()
    receiver = WebhookReceiver(SECRET)
    with pytest.raises(SignatureError, match="does not match"):
        receiver.receive(_signed(body, secret="guessed"), body)
    with pytest.raises(SignatureError, match="does not match"):
        receiver.receive(_signed(body), body.replace(b"decided", b"dismissd"))
    with pytest.raises(SignatureError, match="tolerance"):
        receiver.receive(_signed(body, at=int(time.time()) - 3600), body)
    with pytest.raises(SignatureError, match="missing"):
        receiver.receive({}, body)
    with pytest.raises(SignatureError, match="timestamp"):
        verify(SECRET, {SIGNATURE_HEADER: "v1=abc"}, body)
    assert receiver.receive(_signed(body), body) == {"event": "case.decided"}
    assert receiver.receive(_signed(body), body) is None  # same idempotency key


def test_a_forged_webhook_posted_to_the_receiver_is_refused(port: int) -> None:
    receiver = ReceiverServer(SECRET, port).start()
    try:
        body = b'{"event": "case.decided", "actions": ["remove_content"]}'
        answer = httpx.post(receiver.url, content=body, headers=_signed(body, "wrong"))
    finally:
        receiver.stop()
    assert answer.status_code == 401 and receiver.events == []


def test_two_installations_never_send_the_same_idempotency_key(
    engine: Engine, port: int, tmp_path: Path, sqlite_template: Path
) -> None:
    """Case 1's opening is 'case-1-...' in every database; the receiver must not take the
    second installation's (or a rebuilt database's) for a redelivery."""
    other_db = tmp_path / "other.db"
    shutil.copy(sqlite_template, other_db)
    other = response_engine(
        f"sqlite:///{other_db}", Fakes(), webhook_url=f"http://127.0.0.1:{port}/hooks"
    )
    receiver = ReceiverServer(SECRET, port).start()
    try:
        for installation in (engine, other):
            _open(installation, 1)
            assert installation.outbox.run_once() == 1
    finally:
        receiver.stop()
        other.close()
    assert [(e["event"], e["case_id"]) for e in receiver.events] == [("case.opened", 1)] * 2
    with engine.db.read() as session, other.db.read() as other_session:
        ids = {stored_value(session, INSTANCE_ID), stored_value(other_session, INSTANCE_ID)}
    assert len(ids) == 2 and None not in ids


def test_the_receiver_helper_refuses_non_ascii_signatures_cleanly() -> None:
    body = b'{"event": "case.decided"}'
    now = int(time.time())
    for header in (
        f"t={now},v1=\u00e9\u00e9",
        f"t={now},v1={'a' * 63}\u0663",
        "t=\u0661\u0662,v1=abc",
    ):
        with pytest.raises(SignatureError):
            WebhookReceiver(SECRET).receive(
                {SIGNATURE_HEADER: header, IDEMPOTENCY_HEADER: "k"}, body
            )
