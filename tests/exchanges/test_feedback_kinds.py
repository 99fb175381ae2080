"""Feedback upstream for NCMEC (up and down votes) and ThreatExchange (reactions), through
the outbox, against their fakes on 127.0.0.1, on SQLite and PostgreSQL: a reviewer's
verdict on a match to an entry the exchange listed is written with the decision and sent
on the outbox's next pass; what the upstream refuses waits, with a clear error; an exchange
configured without feedback (and TAT, which takes none) is sent nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from safeguarding.delivery.model import DeliveryStatus
from safeguarding.engine import Engine
from safeguarding.exchanges.feedback import CHANNEL
from tests.exchanges.verdicts import decide, verdict_engine, waiting
from tests.fakes.loopback import Loopback
from tests.fakes.ncmec import FakeNcmec
from tests.fakes.tat import FakeTat
from tests.fakes.threatexchange import FakeThreatExchange

PDQS = [f"{i:02x}" * 32 for i in (0x11, 0x22, 0x33)]
MD5 = "a1" * 16
GUIDS = ["01234567-abcd-0123-4567-012345678900", "11234567-abcd-0123-4567-012345678900"]


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    instance = verdict_engine(db_url)
    instance.banks.create_bank("shared", "test")
    yield instance
    instance.close()


# --- NCMEC ----------------------------------------------------------------------------------
@pytest.fixture
def ncmec(engine: Engine) -> Iterator[tuple[FakeNcmec, str]]:
    fake = FakeNcmec()
    fake.put("image1", {"md5": MD5, "pdq": PDQS[0]})
    fake.put("image2", {"pdq": PDQS[1]}, member=43)
    with Loopback(fake.app()) as server:
        yield fake, server.url


def _add_ncmec(engine: Engine, url: str, **options: str) -> None:
    keys = {"username": "esp-user", "password": "esp-pass"}
    engine.exchanges.add("ncmec", "ncmec", "shared", {"url": url, **keys, **options}, "alice")
    engine.fetcher.fetch("ncmec")


def test_ncmec_hears_up_and_down_votes(engine: Engine, ncmec: tuple[FakeNcmec, str]) -> None:
    fake, url = ncmec
    _add_ncmec(engine, url, feedback="on")
    decide(engine, PDQS[0], "confirm")
    decide(engine, PDQS[1], "false_positive")
    assert fake.votes == [] and waiting(engine) == [(DeliveryStatus.PENDING, 0)] * 2
    assert engine.outbox.run_once(CHANNEL) == 2
    assert sorted(fake.votes) == [
        ("42", "image1", "PDQ", "affirmative", None),
        ("43", "image2", "PDQ", "negative", GUIDS[0]),  # the only reason NCMEC offers
    ]


def test_ncmec_downvote_waits_for_a_reason_to_be_chosen(
    engine: Engine, ncmec: tuple[FakeNcmec, str]
) -> None:
    fake, url = ncmec
    fake.reasons = [(GUIDS[0], "Not CSAM"), (GUIDS[1], "Wrong hash")]
    _add_ncmec(engine, url, feedback="on")
    decide(engine, PDQS[1], "false_positive")
    assert engine.outbox.run_once(CHANNEL) == 0
    (item,) = [i for i in engine.outbox.items() if i.channel == CHANNEL]
    assert item.status is DeliveryStatus.PENDING
    assert "offers 2 downvote reasons" in (item.last_error or "") and fake.votes == []


def test_ncmec_sends_the_chosen_reason(engine: Engine, ncmec: tuple[FakeNcmec, str]) -> None:
    fake, url = ncmec
    fake.reasons = [(GUIDS[0], "Not CSAM"), (GUIDS[1], "Wrong hash")]
    _add_ncmec(engine, url, feedback="on", downvote_reason=GUIDS[1])
    decide(engine, PDQS[1], "false_positive")
    assert engine.outbox.run_once(CHANNEL) == 1
    assert fake.votes == [("43", "image2", "PDQ", "negative", GUIDS[1])]


def test_ncmec_without_feedback_is_sent_nothing(
    engine: Engine, ncmec: tuple[FakeNcmec, str]
) -> None:
    fake, url = ncmec
    _add_ncmec(engine, url)
    decide(engine, PDQS[0], "confirm")
    assert waiting(engine) == [] and fake.votes == []


# --- ThreatExchange -------------------------------------------------------------------------
@pytest.fixture
def te(engine: Engine) -> Iterator[tuple[FakeThreatExchange, str]]:
    fake = FakeThreatExchange()
    fake.put("HASH_PDQ", PDQS[0], ["csam"], owners=2)
    fake.put("HASH_PDQ", PDQS[1], ["csam"])
    with Loopback(fake.app()) as server:
        yield fake, f"{server.url}/v21.0"


def _add_te(engine: Engine, url: str, token: str = FakeThreatExchange.token) -> None:
    options = {"url": url, "privacy_group": FakeThreatExchange.privacy_group, "feedback": "on"}
    engine.exchanges.add("te", "threatexchange", "shared", {**options, "access_token": token}, "a")
    engine.fetcher.fetch("te")


def _descriptors(fake: FakeThreatExchange, value: str) -> list[str]:
    return [d["id"] for d in fake.records[("HASH_PDQ", value)]["descriptors"]["data"]]


def test_threatexchange_hears_reactions_on_each_descriptor(
    engine: Engine, te: tuple[FakeThreatExchange, str]
) -> None:
    fake, url = te
    _add_te(engine, url)
    decide(engine, PDQS[0], "confirm")
    decide(engine, PDQS[1], "false_positive")
    assert engine.outbox.run_once(CHANNEL) == 2
    helpful = [(d, "HELPFUL") for d in _descriptors(fake, PDQS[0])]
    disagree = [(d, "DISAGREE_WITH_TAGS") for d in _descriptors(fake, PDQS[1])]
    assert sorted(fake.reactions) == sorted(helpful + disagree) and len(helpful) == 2
    posted = [q for m, _, q in fake.requests if m == "POST"]
    assert all("access_token" not in q for q in posted)  # in the form, not the URL


def test_threatexchange_refusing_the_token_leaves_the_feedback_waiting(
    engine: Engine, te: tuple[FakeThreatExchange, str]
) -> None:
    fake, url = te
    _add_te(engine, url)
    decide(engine, PDQS[0], "confirm")
    fake.token = "1234567890|rotated-secret"
    assert engine.outbox.run_once(CHANNEL) == 0
    (item,) = [i for i in engine.outbox.items() if i.channel == CHANNEL]
    assert item.status is DeliveryStatus.PENDING and "refused our credentials" in (
        item.last_error or ""
    )
    assert fake.reactions == []


# --- TAT --------------------------------------------------------------------------------------
def test_tat_takes_no_feedback(engine: Engine) -> None:
    fake = FakeTat()
    fake.put("PDQ", PDQS[2])
    with Loopback(fake.app()) as server:
        keys = {"username": "tcap-user", "password": "tcap-pass"}
        engine.exchanges.add("tat", "tat", "shared", {"url": server.url, **keys}, "alice")
        engine.fetcher.fetch("tat")
        decide(engine, PDQS[2], "confirm")
    assert waiting(engine) == []
