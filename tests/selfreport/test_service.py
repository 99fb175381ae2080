"""The self-report route's domain on SQLite and PostgreSQL: what a submission stores, the
case number and PIN, withdrawal, replays, hostile bodies and the limits."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from safeguarding.auth.throttle import LoginThrottle
from safeguarding.engine import Engine
from safeguarding.errors import (
    AuthError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
)
from safeguarding.matching.matcher import QuerySignal
from safeguarding.selfreport import Status
from safeguarding.selfreport.codes import read_case_number
from safeguarding.selfreport.tables import SelfReportHashRow, SelfReportRow
from safeguarding.store.models import utcnow
from tests.selfreport.conftest import self_report_engine

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
OTHER_PDQ = "0707070707070707070707070707070707070707070707070707070707070707"


def body(n: int = 0, *, pdq: str = PDQ, **extra: Any) -> dict[str, Any]:
    return {
        "submission_id": f"{n:032x}",
        "category": "nude",
        "files": [
            {
                "md5": f"{n:032x}",
                "sha256": f"{n:064x}",
                "pdq": [
                    {"view": None, "hash": pdq, "quality": 90},
                    {"view": "crop95", "hash": OTHER_PDQ, "quality": 80},
                ],
            }
        ],
        **extra,
    }


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    instance = self_report_engine(
        db_url,
        self_report_max_guesses=3,
        self_report_address_submissions=3,
        self_report_global_submissions=5,
    )
    yield instance
    instance.close()


def matches(engine: Engine, value: str = PDQ) -> bool:
    engine.matcher.refresh()
    return engine.match_signals([QuerySignal("pdq", value)]).matched


def test_a_submission_goes_into_the_self_report_bank_for_review(engine: Engine) -> None:
    receipt = engine.self_reports.submit(body(1), "10.0.0.1")
    assert re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{4}-){3}[0-9A-HJKMNP-TV-Z]{4}", receipt.case_number)
    assert re.fullmatch(r"[0-9]{8}", receipt.pin)
    bank = engine.banks.get_bank("self-report")
    assert (bank.source, bank.policy.action.value, bank.entry_count) == ("self_report", "review", 4)
    entries = {e.signal_type: e for e in engine.banks.entries("self-report", limit=10)}
    assert entries["pdq"].labels == ["nude"]
    assert matches(engine)
    result = engine.match_signals([QuerySignal("pdq", PDQ)])
    assert [m.action.value for m in result.matches] == ["review"]
    with engine.db.read() as session:
        row = session.scalars(select(SelfReportRow)).one()
        events = [e.action for e in engine.audit.recent(session)]
    assert row.pin_hash.startswith("$argon2id$")
    stored = " ".join(str(v) for v in vars(row).values())
    assert receipt.case_number not in stored and receipt.pin not in stored
    assert "selfreport.submit" in events and "bank.create" in events


def test_the_owner_sees_the_case_and_withdraws_it_and_it_stops_matching(engine: Engine) -> None:
    receipt = engine.self_reports.submit(body(1), "10.0.0.1")
    typed = receipt.case_number.lower().replace("-", " ").replace("0", "o")
    view = engine.self_reports.status(typed, f" {receipt.pin} ", "10.0.0.2")
    assert (view.status, view.files, view.category.value) == (Status.RECEIVED, 1, "nude")
    assert matches(engine)
    withdrawn = engine.self_reports.withdraw(receipt.case_number, receipt.pin, "10.0.0.2")
    assert withdrawn.status is Status.WITHDRAWN
    assert not matches(engine)
    assert engine.banks.get_bank("self-report").entry_count == 0
    # withdrawing again changes nothing; the case can still be looked at
    assert (
        engine.self_reports.withdraw(receipt.case_number, receipt.pin, "10.0.0.2").status
        is Status.WITHDRAWN
    )
    with engine.db.read() as session:
        assert session.scalar(select(func.count()).select_from(SelfReportHashRow)) == 0
        assert [e.action for e in engine.audit.recent(session)].count("selfreport.withdraw") == 1


def test_a_value_two_reports_share_stays_until_both_are_withdrawn(engine: Engine) -> None:
    first = engine.self_reports.submit(body(1), "10.0.0.1")
    second = engine.self_reports.submit(body(2), "10.0.0.1")  # same PDQs, other digests
    assert engine.banks.get_bank("self-report").entry_count == 6
    engine.self_reports.withdraw(first.case_number, first.pin, "10.0.0.1")
    assert engine.banks.get_bank("self-report").entry_count == 4
    assert matches(engine)
    engine.self_reports.withdraw(second.case_number, second.pin, "10.0.0.1")
    assert not matches(engine)


def test_a_replayed_submission_is_refused_and_adds_nothing(engine: Engine) -> None:
    engine.self_reports.submit(body(1), "10.0.0.1")
    with pytest.raises(ConflictError, match="already received"):
        engine.self_reports.submit(body(1, pdq=OTHER_PDQ), "10.0.0.9")
    with engine.db.read() as session:
        assert session.scalar(select(func.count()).select_from(SelfReportRow)) == 1
    assert engine.banks.get_bank("self-report").entry_count == 4


def _without(value: dict[str, Any], *path: str | int) -> dict[str, Any]:
    out = copy.deepcopy(value)
    target: Any = out
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return out


def _with(value: dict[str, Any], change: Any) -> dict[str, Any]:
    out = copy.deepcopy(value)
    change(out)
    return out


GOOD = body(7)
HOSTILE = [
    ("a list", [GOOD], "submission"),
    ("an extra top field", {**GOOD, "name": "Sam"}, "submission.name"),
    ("a file name", _with(GOOD, lambda b: b["files"][0].update(name="me.jpg")), "files[0].name"),
    (
        "a PDQ extra",
        _with(GOOD, lambda b: b["files"][0]["pdq"][0].update(w=1)),
        "files[0].pdq[0].w",
    ),
    ("no submission id", _without(GOOD, "submission_id"), "submission_id"),
    ("a short submission id", {**GOOD, "submission_id": "abc"}, "submission_id"),
    ("an unknown category", {**GOOD, "category": "other"}, "category"),
    ("no files", {**GOOD, "files": []}, "files"),
    ("files not a list", {**GOOD, "files": "x"}, "files"),
    ("too many files", {**GOOD, "files": GOOD["files"] * 21}, "files"),
    ("a bad md5", _with(GOOD, lambda b: b["files"][0].update(md5="xyz")), "files[0].md5"),
    ("no sha256", _without(GOOD, "files", 0, "sha256"), "files[0].sha256"),
    (
        "a bad PDQ",
        _with(GOOD, lambda b: b["files"][0]["pdq"][0].update(hash="00")),
        "files[0].pdq[0].hash",
    ),
    (
        "a quality over 100",
        _with(GOOD, lambda b: b["files"][0]["pdq"][0].update(quality=101)),
        "files[0].pdq[0].quality",
    ),
    (
        "a quality as text",
        _with(GOOD, lambda b: b["files"][0]["pdq"][0].update(quality="9")),
        "files[0].pdq[0].quality",
    ),
    (
        "an unknown view",
        _with(GOOD, lambda b: b["files"][0]["pdq"][0].update(view="x")),
        "files[0].pdq[0].view",
    ),
    (
        "a view twice",
        _with(
            GOOD, lambda b: b["files"][0]["pdq"].append({"view": None, "hash": PDQ, "quality": 90})
        ),
        "files[0].pdq[2].view",
    ),
    (
        "a bad vPDQ",
        _with(GOOD, lambda b: b["files"][0].update(vpdq="not,a,frame")),
        "files[0].vpdq",
    ),
    (
        "a NUL in a hash",
        _with(GOOD, lambda b: b["files"][0].update(md5="\x00" * 32)),
        "files[0].md5",
    ),
]


def test_hostile_bodies_are_refused_naming_the_field_and_store_nothing(engine: Engine) -> None:
    refused = []
    for _name, hostile, _field in HOSTILE:
        with pytest.raises(InvalidInputError) as caught:
            engine.self_reports.submit(hostile, "10.0.0.1")
        refused.append(caught.value.field)
    assert refused == [field for _, _, field in HOSTILE]
    with pytest.raises(NotFoundError):
        engine.banks.get_bank("self-report")
    with engine.db.read() as session:
        assert session.scalar(select(func.count()).select_from(SelfReportRow)) == 0


def test_a_video_submission_keeps_its_vpdq(engine: Engine) -> None:
    vpdq = f"0,100,{PDQ},0.000\n1,100,{OTHER_PDQ},1.000"
    video = _with(body(3), lambda b: b["files"][0].update(pdq=[], vpdq=vpdq))
    engine.self_reports.submit(video, "10.0.0.1")
    kinds = sorted(e.signal_type for e in engine.banks.entries("self-report", limit=10))
    assert kinds == ["md5", "sha256", "vpdq"]


def test_forged_case_numbers_and_guessed_pins_are_throttled_per_address_only(
    engine: Engine,
) -> None:
    receipt = engine.self_reports.submit(body(1), "10.0.0.1")
    for typed in ("not a case", "K7QM-2XJD-9PFA-R3T", "K7QM-2XJD-9PFA-R3TU"):
        with pytest.raises(InvalidInputError, match="case number is 16"):
            engine.self_reports.status(typed, receipt.pin, "10.6.6.6")
    with pytest.raises(InvalidInputError, match="PIN is 8 digits"):
        engine.self_reports.status(receipt.case_number, "1234", "10.6.6.6")
    forged = "K7QM-2XJD-9PFA-R3TZ"
    wrong = f"{(int(receipt.pin) + 1) % 10**8:08d}"
    with pytest.raises(AuthError, match="do not match a case"):
        engine.self_reports.status(forged, receipt.pin, "10.6.6.6")
    for _ in range(2):
        with pytest.raises(AuthError, match="do not match a case"):
            engine.self_reports.status(receipt.case_number, wrong, "10.6.6.6")
    # three failures: this address is refused, even with the right PIN ...
    with pytest.raises(RateLimitedError, match="too many tries") as refused:
        engine.self_reports.status(receipt.case_number, receipt.pin, "10.6.6.6")
    assert 3000 < refused.value.retry_after <= 3600
    with pytest.raises(RateLimitedError):
        engine.self_reports.withdraw(receipt.case_number, receipt.pin, "10.6.6.6")
    # ... but the case is not locked: its owner, elsewhere, gets in and can withdraw
    assert (
        engine.self_reports.status(receipt.case_number, receipt.pin, "10.0.0.1").status
        is Status.RECEIVED
    )
    assert (
        engine.self_reports.withdraw(receipt.case_number, receipt.pin, "10.0.0.1").status
        is Status.WITHDRAWN
    )


def test_the_refusal_ends_with_its_window(engine: Engine) -> None:
    now = [utcnow()]
    engine.self_reports.clock = lambda: now[0]
    for _ in range(3):
        with pytest.raises(AuthError):
            engine.self_reports.status("K7QM-2XJD-9PFA-R3TZ", "12345678", "10.6.6.6")
    with pytest.raises(RateLimitedError):
        engine.self_reports.status("K7QM-2XJD-9PFA-R3TZ", "12345678", "10.6.6.6")
    now[0] += timedelta(minutes=61)
    with pytest.raises(AuthError):
        engine.self_reports.status("K7QM-2XJD-9PFA-R3TZ", "12345678", "10.6.6.6")


def test_submissions_are_limited_per_address_and_in_all(engine: Engine) -> None:
    for n in range(3):
        engine.self_reports.submit(body(n), "10.0.0.1")
    with pytest.raises(RateLimitedError, match="try again in 60 minutes"):
        engine.self_reports.submit(body(10), "10.0.0.1")
    engine.self_reports.submit(body(11), "10.0.0.2")
    engine.self_reports.submit(body(12), "10.0.0.3")  # the fifth in all
    with pytest.raises(RateLimitedError):
        engine.self_reports.submit(body(13), "10.0.0.4")
    with engine.db.read() as session:
        assert session.scalar(select(func.count()).select_from(SelfReportRow)) == 5


def test_the_portal_counters_and_sign_in_limits_forget_only_their_own(engine: Engine) -> None:
    with pytest.raises(AuthError):
        engine.self_reports.status("K7QM-2XJD-9PFA-R3TZ", "12345678", "10.6.6.6")
    login = LoginThrottle(max_failures=5, account_max_failures=5, window=timedelta(seconds=1))
    with engine.db.write() as session:
        login.forget_expired(session, utcnow() + timedelta(minutes=30))
    for _ in range(2):
        with pytest.raises(AuthError):
            engine.self_reports.status("K7QM-2XJD-9PFA-R3TZ", "12345678", "10.6.6.6")
    with pytest.raises(RateLimitedError):  # the first failure was kept: 3 in the window
        engine.self_reports.status("K7QM-2XJD-9PFA-R3TZ", "12345678", "10.6.6.6")


def test_case_numbers_are_read_forgivingly() -> None:
    assert read_case_number(" k7qm 2xjd-9pfa-r3tz ") == "K7QM-2XJD-9PFA-R3TZ"
    assert read_case_number("K7QM2XJDOPFAR3TZ") == "K7QM-2XJD-0PFA-R3TZ"


def test_the_banks_exist_before_any_report_and_the_feed_can_be_granted(engine: Engine) -> None:
    engine.self_reports.prepare()
    engine.self_reports.prepare()  # as every start does: nothing new
    banks = {b.name: b for b in engine.banks.list_banks()}
    made = {
        name: (b.source, b.policy.action.value, b.enabled, b.entry_count)
        for name, b in banks.items()
    }
    assert made == {
        "self-report": ("self_report", "review", True, 0),
        "self-report-approved": ("self_report", "block", True, 0),
        "self-report-held": ("self_report", "review", False, 0),
    }
    key = engine.keys.create("platform-x", ["feeds:read"], "admin")
    assert engine.feeds.grant(key.key.key_id, "self-report-approved", "admin").bank == (
        "self-report-approved"
    )
    with engine.db.read() as session:
        events = [e.action for e in engine.audit.recent(session)]
    assert events.count("bank.create") == 3
    # the first report uses them as they are
    engine.self_reports.submit(body(1), "10.0.0.1")
    assert engine.banks.get_bank("self-report").entry_count == 4
    assert len(engine.banks.list_banks()) == 3
