"""Leases on SQLite and PostgreSQL: a claim holds against other reviewers, lapses after the
idle time, is released on skip, and a senior can take it over; reviewers claiming at once
never get the same case."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import TypeVar

import pytest

from safeguarding.audit.events import Event
from safeguarding.auth.users import User
from safeguarding.cases import intake
from safeguarding.cases.model import Priority, Status, Subject
from safeguarding.engine import Engine
from safeguarding.errors import ConflictError, ForbiddenError
from safeguarding.store.models import utcnow
from tests.fakes.setup import PASSWORD, Fakes, response_engine, users

T = TypeVar("T")


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def engine(db_url: str, clock: Clock) -> Iterator[Engine]:
    instance = response_engine(db_url, Fakes(), review_lease_minutes=15)
    instance.cases.leases.clock = clock
    yield instance
    instance.close()


@pytest.fixture
def team(engine: Engine) -> tuple[User, User, User]:
    """Two reviewers and a senior."""
    rita, sam, _ = users(engine)
    ron = engine.users.create("ron", PASSWORD, "reviewer", "test")
    return rita, ron, sam


def _case(engine: Engine, content_id: str = "c1", category: str = "csam") -> int:
    return engine.cases.open(
        intake.from_user_report(category, "", Subject(content_id)), "key:t"
    ).case.id


def test_a_held_case_holds_against_other_reviewers(
    engine: Engine, team: tuple[User, User, User]
) -> None:
    rita, ron, _ = team
    case_id = _case(engine)
    lease = engine.cases.leases.claim(case_id, rita)
    assert lease.holder == "rita" and engine.cases.get(case_id).status is Status.IN_REVIEW
    with pytest.raises(ConflictError, match="being reviewed by rita"):
        engine.cases.leases.claim(case_id, ron)
    with pytest.raises(ConflictError, match="being reviewed by rita"):
        engine.cases.decide(case_id, ron, "confirm", "mine now", version=1)
    assert engine.cases.decide(case_id, rita, "confirm", "seen", version=1).decided_by == "rita"
    assert engine.cases.get(case_id).held_by(utcnow()) is None  # a decision ends it


def test_a_lease_lapses_after_the_idle_time(
    engine: Engine, clock: Clock, team: tuple[User, User, User]
) -> None:
    rita, ron, _ = team
    case_id = _case(engine)
    engine.cases.leases.claim(case_id, rita)
    clock.advance(10)
    engine.cases.view(case_id, rita)  # activity: held 15 minutes from now
    clock.advance(14)
    with pytest.raises(ConflictError):
        engine.cases.leases.claim(case_id, ron)
    engine.cases.view(case_id, ron)  # someone else looking renews nothing
    clock.advance(2)
    assert engine.cases.get(case_id).held_by(clock()) is None
    assert engine.cases.leases.claim(case_id, ron).holder == "ron"
    with pytest.raises(ConflictError, match="being reviewed by ron"):
        engine.cases.decide(case_id, rita, "confirm", "late", version=1)


def test_skipping_gives_the_case_back(engine: Engine, team: tuple[User, User, User]) -> None:
    rita, ron, _ = team
    case_id = _case(engine)
    engine.cases.leases.claim(case_id, rita)
    with pytest.raises(ForbiddenError):
        engine.cases.leases.release(case_id, ron, "not mine")
    engine.cases.leases.release(case_id, rita, "conflict of interest")
    assert engine.cases.get(case_id).status is Status.NEW
    assert engine.cases.leases.claim(case_id, ron).holder == "ron"
    assert engine.cases.leases.release_all(ron) == 1
    assert engine.cases.get(case_id).held_by(utcnow()) is None


def test_a_senior_can_take_a_case_over(engine: Engine, team: tuple[User, User, User]) -> None:
    rita, ron, sam = team
    case_id = _case(engine)
    engine.cases.leases.claim(case_id, rita)
    with pytest.raises(ForbiddenError, match="senior"):
        engine.cases.leases.claim(case_id, ron, override=True)
    assert engine.cases.leases.claim(case_id, sam, override=True).holder == "sam"
    with pytest.raises(ConflictError, match="being reviewed by sam"):
        engine.cases.decide(case_id, rita, "confirm", "mine", version=1)
    with engine.db.read() as session:
        takeover = engine.audit.recent(session, action=Event.CASE_TAKEOVER)
    assert [(e.actor, e.details["previous"]) for e in takeover] == [("user:sam", "rita")]


def _at_once(jobs: list[Callable[[], T]]) -> list[T | Exception]:
    barrier = threading.Barrier(len(jobs))
    results: list[T | Exception] = [ConflictError("not run")] * len(jobs)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = jobs[i]()
        except (ConflictError, ForbiddenError) as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _reviewers(engine: Engine, count: int) -> list[User]:
    return [engine.users.create(f"reviewer{i}", PASSWORD, "reviewer", "t") for i in range(count)]


def test_reviewers_claiming_one_case_at_once_one_wins(engine: Engine) -> None:
    case_id = _case(engine)
    reviewers = _reviewers(engine, 4)
    results = _at_once(
        [
            lambda u=u: engine.cases.leases.claim(case_id, u)  # type: ignore[misc]
            for u in reviewers
        ]
    )
    won = [r for r in results if not isinstance(r, Exception)]
    assert len(won) == 1
    assert engine.cases.get(case_id).held_by(utcnow()) == won[0].holder


def test_reviewers_asking_for_the_next_case_at_once_get_different_ones(engine: Engine) -> None:
    ids = [_case(engine, f"c{i}", "csam" if i % 3 else "sextortion") for i in range(10)]
    escalated = _case(engine, "c-escalated", "sextortion")
    senior = users(engine)[1]
    engine.cases.decide(escalated, senior, "escalate", "needs a senior", version=1)
    reviewers = _reviewers(engine, 8)
    results = _at_once(
        [
            lambda u=u: engine.cases.leases.next(u)  # type: ignore[misc]
            for u in reviewers
        ]
    )
    handed = [r.case_id for r in results if r is not None and not isinstance(r, Exception)]
    assert len(handed) == 8 and len(set(handed)) == 8 and escalated not in handed
    urgent = [i for i in ids if engine.cases.get(i).priority is Priority.URGENT]
    assert set(urgent) <= set(handed)  # the most urgent went first
    own = results[0]
    again = engine.cases.leases.next(reviewers[0])  # their own case comes back first
    assert again is not None and not isinstance(own, Exception) and own is not None
    assert again.case_id == own.case_id
    assert engine.cases.leases.next(senior) is not None  # 2 left, the escalated one too
