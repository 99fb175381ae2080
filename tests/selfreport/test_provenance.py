"""A self-reported hash never enters the confirmed bank, on SQLite and PostgreSQL: a
reviewer confirming a match against the self-report banks here, or against entries a feed
of a `self_report` bank listed, leaves the confirmed bank alone (the decision stands and
the case page says why); a hash another list also holds is confirmed as usual.

Publisher and subscriber share one database, as in tests/exchanges/test_feedback.py: the
publisher's banks are turned off, so only the subscriber's `mirror` matches."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from safeguarding.banks.model import SELF_REPORTED, BankSource
from safeguarding.cases.model import Status as CaseStatus
from safeguarding.cases.model import Subject
from safeguarding.engine import Engine
from safeguarding.errors import NotFoundError
from safeguarding.feeds.signing import FeedKey
from safeguarding.matching.matcher import QuerySignal
from safeguarding.selfreport.provenance import KEPT_OUT
from safeguarding.server import create_app
from tests.exchanges.verdicts import PDQS, decide, follow, verdict_engine
from tests.fakes.in_process import client_to

SAID = KEPT_OUT.format(bank="confirmed")


def confirmed(engine: Engine) -> set[str]:
    try:
        return {e.value for e in engine.banks.entries("confirmed", limit=100)}
    except NotFoundError:
        return set()


@pytest.fixture
def instance(db_url: str, tmp_path: Path) -> Iterator[Engine]:
    FeedKey.generate(tmp_path / "feed.pem")
    engine = verdict_engine(db_url, feed_key_file=str(tmp_path / "feed.pem"))
    engine.banks.create_bank("shared", "hotline", source=BankSource.SELF_REPORT)
    engine.banks.create_bank("partner", "partner")
    engine.banks.create_bank("mirror", "platform")
    for name in ("shared", "partner"):
        engine.banks.update_bank(name, "admin", enabled=False)
    engine.banks.add_signals("shared", [("pdq", v, None) for v in PDQS], "hotline")
    engine.banks.add_signals("partner", [("pdq", PDQS[1], None)], "partner")
    with TestClient(create_app(engine=engine)) as client:
        engine.fetcher.client = client_to(client)
        yield engine
    engine.close()


def test_a_feed_of_self_reports_never_fills_the_confirmed_bank(instance: Engine) -> None:
    engine = instance
    follow(engine)
    labels = {e.value: e.labels for e in engine.banks.entries("mirror", limit=10)}
    assert labels == {v: [SELF_REPORTED] for v in PDQS}

    case_id = decide(engine, PDQS[0], "confirm")
    # the decision stands (the item removed, the outcome sent upstream), the copy is not made
    case = engine.cases.get(case_id)
    assert case.status is not CaseStatus.NEW and case.decision is not None
    assert confirmed(engine) == set()
    reviewer = next(u for u in engine.users.list() if u.username == "rita")
    review = engine.cases.review(case_id, reviewer)
    assert review.kept_out == SAID
    # a case not yet decided says it beside the buttons, before the reviewer chooses
    engine.matcher.refresh()
    result = engine.match_signals([QuerySignal("pdq", PDQS[2], 100)])
    opened = engine.open_match_case(result, {"pdq": PDQS[2]}, Subject("post-2"))
    assert opened is not None
    foreseen = engine.cases.review(opened.case.id, reviewer).foreseen
    assert SAID in [line for lines in foreseen.values() for line in lines]

    # withdrawn upstream: it stops matching here, and nothing kept it
    engine.banks.remove_entries(
        "shared", list(engine.banks.entry_ids("shared", [("pdq", PDQS[0])]).values()), "hotline"
    )
    engine.fetcher.fetch("hotline")
    engine.matcher.refresh()
    assert not engine.match_signals([QuerySignal("pdq", PDQS[0], 100)]).matched


def test_a_hash_another_list_also_holds_is_confirmed_as_usual(instance: Engine) -> None:
    engine = instance
    follow(engine)
    follow(engine, "partner", "partner")  # also lists PDQS[1], without the label
    decide(engine, PDQS[1], "confirm")
    assert confirmed(engine) == {PDQS[1]}
    decide(engine, PDQS[0], "confirm")  # the self-report feed's alone
    assert confirmed(engine) == {PDQS[1]}


def test_the_self_report_banks_here_never_fill_the_confirmed_bank(instance: Engine) -> None:
    engine = instance
    engine.banks.update_bank("shared", "admin", enabled=True)  # source self_report, here
    decide(engine, PDQS[2], "confirm")
    assert confirmed(engine) == set()
    engine.banks.update_bank("partner", "admin", enabled=True)  # and a local list
    decide(engine, PDQS[1], "confirm")
    assert confirmed(engine) == {PDQS[1]}
