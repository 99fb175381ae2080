"""Abuse resistance on SQLite and PostgreSQL: the poisoning check holds a self-report whose
hashes are on a known benign list or matched widely soon after it came in (its hashes then
match nowhere and leave the approved bank's feed) until the hotline decides; the global cap
on wrong PINs pauses look-ups for everyone without locking any case; the support services
are settings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from safeguarding.auth.users import User
from safeguarding.banks.model import BankSource, NewEntry
from safeguarding.banks.policy import BankPolicy
from safeguarding.cases.model import Decision, Status, Subject
from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.errors import AuthError, RateLimitedError
from safeguarding.matching.matcher import QuerySignal
from safeguarding.selfreport import Status as ReportStatus
from safeguarding.server import create_app
from tests.selfreport.conftest import self_report_engine, staff_of
from tests.selfreport.test_hotline import (
    ADDRESS,
    decide,
    events,
    matched,
    status,
    submit,
    values,
)
from tests.selfreport.test_service import PDQ
from tests.web.test_portal import PAGES


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    instance = self_report_engine(db_url)
    yield instance
    instance.close()


@pytest.fixture
def staff(engine: Engine) -> dict[str, User]:
    return staff_of(engine)


def test_a_hash_on_the_do_not_match_list_is_held_and_matches_nowhere(
    engine: Engine, staff: dict[str, User]
) -> None:
    with engine.db.write() as session:
        engine.banks.store.add_do_not_match(session, "pdq", PDQ, "a meme", "user:sam")
    engine.matcher.mark_dirty()
    receipt = submit(engine)
    view = status(engine, receipt)
    assert view.status is ReportStatus.IN_REVIEW  # held: the owner sees a person checking
    assert PDQ in values(engine, "self-report-held") and values(engine, "self-report") == set()
    with engine.db.read() as session:
        assert not engine.banks.store.get(session, "self-report-held").enabled
    engine.matcher.refresh()
    md5 = f"{1:032x}"
    assert not engine.match_signals([QuerySignal("md5", md5)]).matched
    case = engine.cases.get(view.review_case or 0)
    assert "held" in case.labels and case.priority.label == "high"
    [held] = [e for e in case.evidence if e.kind == "held"]
    assert "do-not-match" in held.data["why"]
    assert events(engine, "selfreport.submit")[0]["held"] is True

    # the hotline approves it anyway (its own photo, a look-alike of a meme): published
    decide(engine, staff["hotline"], case.id, Decision.CONFIRM, "checked: not the meme")
    assert status(engine, receipt).status is ReportStatus.ACTIVE
    assert values(engine, "self-report-held") == set()
    assert md5 in values(engine, "self-report-approved")


def test_a_hash_on_a_bank_labelled_benign_is_held(engine: Engine) -> None:
    with engine.db.write() as session:
        engine.banks.store.create(
            session,
            name="known-innocent",
            source=BankSource.LOCAL,
            policy=BankPolicy(),
            labels=["benign"],
            created_by="test",
            description="logos and memes",
        )
        engine.banks.store.add_entries(
            session, "known-innocent", [NewEntry("md5", f"{4:032x}", None, [], {}, None)], "t"
        )
    engine.matcher.mark_dirty()
    receipt = submit(engine, 4)
    case = engine.cases.get(status(engine, receipt).review_case or 0)
    [held] = [e for e in case.evidence if e.kind == "held"]
    assert "known benign list (known-innocent)" in held.data["why"]
    assert values(engine, "self-report") == set()


def test_a_report_matched_widely_soon_after_is_held_even_once_approved(
    engine: Engine, staff: dict[str, User]
) -> None:
    receipt = submit(engine)
    first_case = status(engine, receipt).review_case or 0
    decide(engine, staff["hotline"], first_case, Decision.CONFIRM, "her own")
    engine.matcher.refresh()
    for i in range(19):
        result = engine.match_signals([QuerySignal("pdq", PDQ)])
        engine.open_match_case(result, {"pdq": PDQ}, Subject(f"post-{i}", f"acct-{i}"))
    assert engine.self_reports.check_spread() == 0  # 19 accounts: under the limit
    result = engine.match_signals([QuerySignal("pdq", PDQ)])
    engine.open_match_case(result, {"pdq": PDQ}, Subject("post-19", "acct-19"))
    assert engine.self_reports.check_spread() == 1
    [hold] = events(engine, "selfreport.hold")
    assert (hold["accounts"], hold["was"]) == (20, "active")

    # out of the approved bank (tombstones for subscribers), matched nowhere, back in the queue
    assert values(engine, "self-report-approved") == set()
    assert PDQ in values(engine, "self-report-held")
    assert not matched(engine, "self-report-approved") and not matched(engine, "self-report")
    view = status(engine, receipt)
    assert view.status is ReportStatus.IN_REVIEW and view.review_case != first_case
    new_case = engine.cases.get(view.review_case or 0)
    assert new_case.status is Status.NEW and "held" in new_case.labels

    # the hotline releases it: published again, and the spread does not hold it twice
    decide(engine, staff["hotline"], new_case.id, Decision.CONFIRM, "her own, shared widely")
    assert status(engine, receipt).status is ReportStatus.ACTIVE
    assert PDQ in values(engine, "self-report-approved")
    assert engine.self_reports.check_spread() == 0


def test_an_old_report_is_not_watched_for_its_spread(engine: Engine) -> None:
    receipt = submit(engine)
    for i in range(20):
        result = engine.match_signals([QuerySignal("pdq", PDQ)])
        engine.open_match_case(result, {"pdq": PDQ}, Subject(f"post-{i}", f"acct-{i}"))
    later = engine.self_reports.clock() + timedelta(hours=25)
    engine.self_reports.clock = lambda: later
    assert engine.self_reports.check_spread() == 0
    assert status(engine, receipt).status is ReportStatus.RECEIVED


@pytest.fixture
def guarded(db_url: str) -> Iterator[Engine]:
    instance = self_report_engine(db_url, self_report_max_guesses=100, self_report_global_guesses=3)
    yield instance
    instance.close()


def test_a_flood_of_wrong_pins_pauses_every_look_up_and_locks_no_case(guarded: Engine) -> None:
    receipt = submit(guarded)
    for i in range(3):
        with pytest.raises(AuthError):
            guarded.self_reports.status(receipt.case_number, f"{i:08d}", f"10.6.6.{i}")
    # a new address, the right PIN: paused for everyone, before any PIN is checked
    with pytest.raises(RateLimitedError, match="paused for everyone") as refused:
        status(guarded, receipt)
    assert 0 < refused.value.retry_after <= 3600
    # the pause ends with its window, and the case is as it was
    later = guarded.self_reports.clock() + timedelta(minutes=61)
    guarded.self_reports.clock = lambda: later
    assert status(guarded, receipt).status is ReportStatus.RECEIVED
    assert ADDRESS  # the owner's address was never refused on its own


def test_the_support_services_are_settings(sqlite_url: str) -> None:
    engine = Engine(
        Settings(
            database_url=sqlite_url,
            self_report_helpline_name="Kids Helpline",
            self_report_helpline_phone="1800 55 1800",
            self_report_helpline_url="https://kidshelpline.com.au/",
            self_report_threats_name="ACCCE",
            self_report_threats_url="https://www.accce.gov.au/report",
            self_report_emergency_phone="000",
            self_report_adult_name="eSafety",
            self_report_adult_url="https://www.esafety.gov.au/report",
            self_report_adult_helpline_name="",
            self_report_adult_helpline_url="",
            self_report_online_report_name="eSafety's reporting",
            self_report_online_report_url="https://www.esafety.gov.au/report/forms",
        )
    )
    with TestClient(create_app(engine=engine)) as client:
        for path in PAGES:
            page = client.get(path).text
            assert 'href="tel:000">000<' in page
            if not path.endswith("/adult"):  # the adult page names adults' support only
                assert "Kids Helpline" in page and 'href="tel:1800551800"' in page
                assert 'href="https://kidshelpline.com.au/"' in page
                assert ">kidshelpline.com.au<" in page
                assert 'href="https://www.accce.gov.au/report">ACCCE<' in page
            # nothing of the UK defaults is left on any page
            for uk in ("Childline", "999", "StopNCII", "Revenge Porn", "Internet Watch"):
                assert uk not in page, (path, uk)
        adult = client.get("/report-remove/adult").text
        assert "eSafety helps adults" in adult
        assert 'href="https://www.esafety.gov.au/report">esafety.gov.au/report<' in adult
        assert "can help too" not in adult  # no adult helpline named
        assert "Talk to someone" not in adult and "Kids Helpline" not in adult
        other = client.get("/report-remove/someone-else").text
        assert "eSafety&#39;s reporting" in other
        assert 'href="https://www.esafety.gov.au/report/forms"' in other
    engine.close()
    for bad in (
        {"self_report_helpline_phone": "call us"},
        {"self_report_helpline_url": "http://plain.example"},
        {"self_report_threats_url": "javascript:alert(1)"},
        {"self_report_emergency_phone": ""},
        {"self_report_adult_url": "http://stopncii.example"},
        {"self_report_adult_name": ""},
        {"self_report_adult_helpline_url": "javascript:alert(1)"},
        {"self_report_online_report_url": "https://a b"},
    ):
        with pytest.raises(ValidationError):
            Settings(database_url=sqlite_url, **bad)  # type: ignore[arg-type]
