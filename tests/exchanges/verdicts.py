"""Helpers of the feedback tests: an engine with reviewers and an outbox that retries at
once, a publisher and its subscriber in one database, a reviewer's verdict on a match, and
the feedback items waiting in the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from safeguarding.banks.policy import BankPolicy
from safeguarding.cases.model import Subject
from safeguarding.delivery.model import DeliveryStatus
from safeguarding.engine import Engine
from safeguarding.exchanges.feedback import CHANNEL
from safeguarding.exchanges.vault import new_key
from safeguarding.feeds.signing import FeedKey
from safeguarding.matching.matcher import QuerySignal
from safeguarding.server import create_app
from tests.fakes.in_process import client_to
from tests.fakes.setup import Fakes, response_engine, users

PDQS = [f"{i:02x}" * 32 for i in (0x11, 0x22, 0x33)]


def verdict_engine(db_url: str, **settings: Any) -> Engine:
    instance = response_engine(
        db_url, Fakes(), exchange_key=new_key(), index_refresh_seconds=0.01, **settings
    )
    instance.outbox.base_delay = 0  # a failed send is due again at once (the test's clock)
    users(instance)
    return instance


@contextmanager
def publisher_and_subscriber(
    db_url: str, keys: Path, *, policy: BankPolicy | None = None
) -> Iterator[tuple[Engine, TestClient]]:
    """One database holding both sides, as in test_feed.py: the publisher's `shared` (PDQS),
    the subscriber's `mirror` (with `policy`), the feed key in the folder `keys`; the
    engine's fetcher reaches the publisher in-process."""
    FeedKey.generate(keys / "feed.pem")
    engine = verdict_engine(db_url, feed_key_file=str(keys / "feed.pem"))
    engine.banks.create_bank("shared", "hotline")
    engine.banks.create_bank("mirror", "platform", policy=policy)
    engine.banks.add_signals("shared", [("pdq", v, None) for v in PDQS], "hotline")
    with TestClient(create_app(engine=engine)) as client:
        engine.fetcher.client = client_to(client)
        yield engine, client
    engine.close()


def follow(engine: Engine, feed: str = "shared", name: str = "hotline") -> str:
    """The subscriber follows the publisher's `feed` into `mirror` as the exchange `name`
    and fetches it once; the key's id."""
    created = engine.keys.create(f"platform-{feed}", ["feeds:read"], "hotline-admin")
    engine.feeds.grant(created.key.key_id, feed, "hotline-admin")
    engine.exchanges.add(
        name,
        "safeguarding",
        "mirror",
        {"url": "http://testserver", "feed": feed, "token": created.token},
        "alice",
    )
    engine.fetcher.fetch(name)
    return created.key.key_id


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
