"""Helpers of the feedback tests: an engine with reviewers and an outbox that retries at
once, a reviewer's verdict on a match, and the feedback items waiting in the outbox."""

from __future__ import annotations

from typing import Any

from safeguarding.cases.model import Subject
from safeguarding.delivery.model import DeliveryStatus
from safeguarding.engine import Engine
from safeguarding.exchanges.feedback import CHANNEL
from safeguarding.exchanges.vault import new_key
from safeguarding.matching.matcher import QuerySignal
from tests.fakes.setup import Fakes, response_engine, users


def verdict_engine(db_url: str, **settings: Any) -> Engine:
    instance = response_engine(
        db_url, Fakes(), exchange_key=new_key(), index_refresh_seconds=0.01, **settings
    )
    instance.outbox.base_delay = 0  # a failed send is due again at once (the test's clock)
    users(instance)
    return instance


def decide(engine: Engine, value: str, decision: str) -> int:
    """A match on `value` (a PDQ hash) opens a case; a reviewer decides it. The case's id."""
    engine.matcher.refresh()
    result = engine.match_signals([QuerySignal("pdq", value, 100)])
    assert result.matched
    opened = engine.open_match_case(result, {"pdq": value}, Subject(f"post-{value[:4]}"))
    assert opened is not None
    reviewer = next(u for u in engine.users.list() if u.username == "rita")
    engine.cases.decide(opened.case.id, reviewer, decision, "checked", version=opened.case.version)
    return opened.case.id


def waiting(engine: Engine) -> list[tuple[DeliveryStatus, int]]:
    """(status, attempts) of each feedback item in the outbox."""
    return [(i.status, i.attempts) for i in engine.outbox.items() if i.channel == CHANNEL]
