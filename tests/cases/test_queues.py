"""Queues by kind and role on SQLite and PostgreSQL: counts and the oldest waiting case,
each queue handing out only its own cases, escalated ones to seniors only, and reviewers
starting one queue at once never getting the same case."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from safeguarding.auth.users import User
from safeguarding.cases import queues
from safeguarding.cases.model import CaseKind, CaseRequest, Evidence, Priority, Subject
from safeguarding.engine import Engine
from safeguarding.errors import ForbiddenError, NotFoundError
from tests.cases.test_leases import Clock, _at_once, _reviewers
from tests.fakes.setup import Fakes, response_engine, users


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def engine(db_url: str, clock: Clock) -> Iterator[Engine]:
    instance = response_engine(db_url, Fakes(), review_lease_minutes=15)
    instance.cases.leases.clock = clock
    yield instance
    instance.close()


def _open(engine: Engine, kind: CaseKind, name: str, priority: Priority = Priority.NORMAL) -> int:
    subject = (
        Subject(conversation_id=name) if kind is CaseKind.CONVERSATION else Subject(content_id=name)
    )
    request = CaseRequest(
        kind,
        priority,
        subject,
        f"{kind.value} {name}",
        [Evidence("report", {"category": "other", "reason": name})],
    )
    return engine.cases.open(request, "key:t").case.id


def _counts(engine: Engine, user: User) -> dict[str, queues.QueueCounts]:
    return {c.queue.name: c for c in engine.cases.queues(user)}


def test_counts_and_the_oldest_waiting_case_per_queue(engine: Engine) -> None:
    rita, sam, _ = users(engine)
    first = _open(engine, CaseKind.MATCH, "m1")
    _open(engine, CaseKind.MATCH, "m2", Priority.URGENT)
    held = _open(engine, CaseKind.MATCH, "m3")
    _open(engine, CaseKind.CONVERSATION, "chat-1", Priority.HIGH)
    escalated = _open(engine, CaseKind.USER_REPORT, "r1")
    engine.cases.decide(escalated, rita, "escalate", "a senior should see this", version=1)
    engine.cases.leases.claim(held, rita)

    counts = _counts(engine, rita)
    assert list(counts) == ["matches", "conversations", "reports"]  # no escalated queue
    matches = counts["matches"]
    assert (matches.waiting, matches.in_review, matches.urgent) == (2, 1, 1)
    assert matches.oldest == engine.cases.get(first).created_at
    assert (counts["conversations"].waiting, counts["reports"].waiting) == (1, 0)
    assert counts["reports"].oldest is None  # its only case went to the seniors
    senior = _counts(engine, sam)
    assert senior["escalated"].waiting == 1 and senior["matches"].waiting == 2


def test_each_queue_hands_out_its_own_cases_most_urgent_first(engine: Engine) -> None:
    rita, sam, _ = users(engine)
    normal = _open(engine, CaseKind.MATCH, "m1")
    urgent = _open(engine, CaseKind.MATCH, "m2", Priority.URGENT)
    chat = _open(engine, CaseKind.CONVERSATION, "chat-1", Priority.URGENT)
    report = _open(engine, CaseKind.USER_REPORT, "r1", Priority.URGENT)
    engine.cases.decide(report, rita, "escalate", "for a senior", version=1)

    first = engine.cases.start("matches", rita)
    assert first is not None and first.case_id == urgent
    again = engine.cases.start("matches", rita)  # a reload resumes the case they hold
    assert again is not None and again.case_id == urgent
    skipped = engine.cases.start("matches", rita, exclude=[urgent])
    assert skipped is not None and skipped.case_id == normal
    got = engine.cases.start("conversations", rita)
    assert got is not None and got.case_id == chat
    assert engine.cases.start("reports", rita) is None  # escalated: not theirs
    with pytest.raises(ForbiddenError, match="senior"):
        engine.cases.start("escalated", rita)
    taken = engine.cases.start("escalated", sam)
    assert taken is not None and taken.case_id == report
    with pytest.raises(NotFoundError, match="the queues are matches"):
        engine.cases.start("everything", sam)


def test_reviewers_starting_one_queue_at_once_never_share_a_case(engine: Engine) -> None:
    ids = [_open(engine, CaseKind.MATCH, f"m{i}") for i in range(6)]
    for i in range(4):  # other queues' cases are never handed out from this one
        _open(engine, CaseKind.CONVERSATION, f"chat-{i}")
    reviewers = _reviewers(engine, 8)
    results = _at_once(
        [
            lambda u=u: engine.cases.start("matches", u)  # type: ignore[misc]
            for u in reviewers
        ]
    )
    handed = [r.case_id for r in results if r is not None and not isinstance(r, Exception)]
    assert sorted(handed) == sorted(ids)  # six cases to six reviewers, each once
    assert sum(r is None for r in results) == 2  # the other two were told nothing waits


def test_a_lapsed_lease_puts_the_case_back_in_its_queue(engine: Engine, clock: Clock) -> None:
    rita, sam, _ = users(engine)
    case_id = _open(engine, CaseKind.MATCH, "m1")
    assert engine.cases.start("matches", rita) is not None
    assert _counts(engine, rita)["matches"].in_review == 1
    assert engine.cases.start("matches", sam) is None
    clock.advance(16)
    assert _counts(engine, rita)["matches"].waiting == 1
    lease = engine.cases.start("matches", sam)
    assert lease is not None and lease.case_id == case_id
    assert lease.until == clock() + timedelta(minutes=15)


def test_reviewers_and_seniors_never_see_self_reports_in_the_case_list(engine: Engine) -> None:
    rita, sam, ada = users(engine)
    hana = engine.users.create("hana", "a long hotline password", "hotline", "test")
    match = _open(engine, CaseKind.MATCH, "m1")
    report = _open(engine, CaseKind.SELF_REPORT, "self-report:1")
    for user, seen in ((rita, {match}), (sam, {match}), (hana, {match, report}), (ada, None)):
        page = engine.cases.queue(user=user)
        expected = seen or {match, report}
        assert {c.id for c in page.cases} == expected, user.role
        # the counts leave them out too: nothing tells a reviewer self-reports exist
        assert page.total == len(expected)
        assert sum(page.by_status.values()) == len(expected)
