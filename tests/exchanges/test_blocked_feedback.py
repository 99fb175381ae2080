"""A match an exchange's entry blocked without review is fed back upstream, on SQLite and
PostgreSQL: to a Safeguarding publisher as matched and removed, once per case, and replaced
by the reviewer's verdict if one follows (the upload counts once); StopNCII, whose
"Blocked" means a person looked, hears nothing until a reviewer decides."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from safeguarding.banks.policy import BankPolicy
from safeguarding.cases.model import Subject
from safeguarding.engine import Engine
from safeguarding.exchanges.feedback import CHANNEL
from safeguarding.matching.matcher import QuerySignal
from tests.exchanges.test_feedback import KEYS
from tests.exchanges.verdicts import PDQS, follow, publisher_and_subscriber, verdict_engine
from tests.fakes.loopback import Loopback
from tests.fakes.stopncii import FakeStopNcii


@pytest.fixture
def instance(db_url: str, tmp_path: Path) -> Iterator[Engine]:
    """Publisher (`shared`, turned off here) and subscriber (`mirror`, policy block) in one
    database, as in test_feedback.py."""
    with publisher_and_subscriber(db_url, tmp_path, policy=BankPolicy.of("block")) as (engine, _):
        engine.banks.update_bank("shared", "hotline", enabled=False)
        follow(engine)
        yield engine


def _blocked(engine: Engine, value: str, content: str) -> int:
    engine.matcher.refresh()
    result = engine.match_signals([QuerySignal("pdq", value, 100)])
    assert result.action is not None and result.action.value == "block"
    opened = engine.open_match_case(result, {"pdq": value}, Subject(content))
    assert opened is not None
    return opened.case.id


def _counts(engine: Engine) -> dict[str, tuple[int, int, int]]:
    return {
        o.value: (o.matched, o.removed, o.false_positive)
        for o in engine.feeds.entry_outcomes("shared")
    }


def _items(engine: Engine) -> int:
    return sum(1 for i in engine.outbox.items() if i.channel == CHANNEL)


def test_a_block_without_review_counts_upstream_once(instance: Engine) -> None:
    engine = instance
    first = _blocked(engine, PDQS[0], "post-1")
    _blocked(engine, PDQS[0], "post-1")  # the same upload again: nothing new to tell
    second = _blocked(engine, PDQS[1], "post-2")
    assert _items(engine) == 2
    assert engine.outbox.run_once(CHANNEL) == 2
    assert _counts(engine) == {PDQS[0]: (1, 1, 0), PDQS[1]: (1, 1, 0)}

    # a reviewer's verdict afterwards replaces the block's report: still one upload each
    rita = next(u for u in engine.users.list() if u.username == "rita")
    for case_id, decision in ((first, "confirm"), (second, "false_positive")):
        case = engine.cases.get(case_id)
        engine.cases.decide(case_id, rita, decision, "checked", version=case.version)
    assert engine.outbox.run_once(CHANNEL) == 2
    assert _counts(engine) == {PDQS[0]: (1, 1, 0), PDQS[1]: (1, 0, 1)}


def test_a_verdict_written_before_the_block_was_sent_wins(instance: Engine) -> None:
    engine = instance
    case_id = _blocked(engine, PDQS[2], "post-3")
    rita = next(u for u in engine.users.list() if u.username == "rita")
    case = engine.cases.get(case_id)
    engine.cases.decide(case_id, rita, "false_positive", "benign", version=case.version)
    # both wait (the publisher was down, say); the block's report must not undo the verdict
    assert engine.outbox.run_once(CHANNEL) == 2
    assert _counts(engine) == {PDQS[2]: (1, 0, 1)}


def test_stopncii_hears_of_a_block_only_after_review(db_url: str) -> None:
    fake = FakeStopNcii()
    fake.put("ImagePDQ", PDQS[0], ["case-0"])
    engine = verdict_engine(db_url)
    with Loopback(fake.app()) as server:
        engine.banks.create_bank("ncii", "test", policy=BankPolicy.of("block"))
        engine.exchanges.add(
            "stopncii",
            "stopncii",
            "ncii",
            {"url": f"{server.url}/v1", **KEYS, "feedback_key": "feedback-key"},
            "admin",
        )
        engine.fetcher.fetch("stopncii")
        case_id = _blocked(engine, PDQS[0], "post-1")
        assert _items(engine) == 0
        rita = next(u for u in engine.users.list() if u.username == "rita")
        case = engine.cases.get(case_id)
        engine.cases.decide(case_id, rita, "confirm", "checked", version=case.version)
        assert _items(engine) == 1
    engine.close()
