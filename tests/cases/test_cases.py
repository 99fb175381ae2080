"""Cases on SQLite and PostgreSQL: intake from matches, alerts and user reports, joining,
decisions and what they set in motion, and the races between reviewers."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from safeguarding.audit.events import Event
from safeguarding.banks.model import Action
from safeguarding.cases import intake
from safeguarding.cases.model import Decision, Priority, Status, Subject
from safeguarding.conversation.analyzer import Message
from safeguarding.delivery.tables import OutboxRow
from safeguarding.demo import generated_image
from safeguarding.engine import Engine
from safeguarding.errors import ConflictError, ForbiddenError, InvalidInputError
from safeguarding.reporting.tables import ReportRow
from tests.fakes.setup import Fakes, bank_of, response_engine, users

IMAGES = [generated_image(i) for i in range(3)]


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    instance = response_engine(db_url, Fakes(), webhook_url="http://127.0.0.1:9/hooks")
    yield instance
    instance.close()


def _match_case(
    engine: Engine, data: bytes, content_id: str, account: str | None = None
) -> tuple[int, bool]:
    hashes, result = engine.match_bytes(data)
    opened = engine.open_match_case(result, hashes.primary(), Subject(content_id, account))
    assert opened is not None
    return opened.case.id, opened.created


def _outbox(engine: Engine) -> list[OutboxRow]:
    with engine.db.read() as session:
        return list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)))


def test_a_match_opens_one_case_and_more_evidence_joins_it(engine: Engine) -> None:
    bank_of(engine, IMAGES)
    case_id, created = _match_case(engine, IMAGES[0], "c-1", "acct-9")
    assert created
    again, created_again = _match_case(engine, IMAGES[0], "c-1")
    other_upload, _ = _match_case(engine, IMAGES[1], "c-2", "acct-9")  # same account
    assert (again, other_upload) == (case_id, case_id)
    assert not created_again
    case = engine.cases.get(case_id)
    assert case.priority is Priority.NORMAL and case.status is Status.NEW
    # pdq, md5, sha256 per file; the repeat of the first file is counted, not stored again,
    # and does not make a reviewer's form stale (only the second file bumps the version)
    assert [e.count for e in case.evidence] == [2, 2, 2, 1, 1, 1] and case.version == 2
    assert case.evidence[0].data["bank"] == "known"
    assert len(case.evidence[0].data["query"]["pdq"]) == 64
    hashes, result = engine.match_bytes(generated_image(99))
    assert engine.open_match_case(result, hashes.primary(), Subject("c-3")) is None


def test_priority_follows_bank_policy_and_blocking_acts_at_once(engine: Engine) -> None:
    bank_of(engine, IMAGES[:1], "hotline", Action.BLOCK, source="ncmec")
    case_id, _ = _match_case(engine, IMAGES[0], "c-1")
    case = engine.cases.get(case_id)
    assert case.priority is Priority.URGENT
    sent = _outbox(engine)
    assert [(r.event, r.payload["actions"]) for r in sent] == [
        ("case.policy_action", ["remove_content"])
    ]


def test_a_conversation_alert_opens_a_case_in_the_same_transaction(engine: Engine) -> None:
    messages = [
        Message("x", "i have your pics"),
        Message("x", "pay me $200 or i send them to all your friends and family"),
    ]
    assessment = engine.conversations.add_messages("conv-1", messages)
    assert assessment.alert
    queue = engine.cases.queue().cases
    assert len(queue) == 1
    case = engine.cases.get(queue[0].id)
    assert case.priority is Priority.URGENT and case.subject.conversation_id == "conv-1"
    assert case.subject.account_id == "x" and case.evidence[0].data["category"] == "sextortion"


def test_user_reports_open_cases_and_bad_ones_are_refused(engine: Engine) -> None:
    opened = engine.cases.open(
        intake.from_user_report("grooming", "keeps asking my age", Subject(account_id="acct-1")),
        "key:test",
    )
    assert opened.created and opened.case.priority is Priority.NORMAL
    with pytest.raises(InvalidInputError, match="category"):
        intake.from_user_report("spam", "", Subject(account_id="a"))
    with pytest.raises(InvalidInputError, match="content, account or conversation"):
        engine.cases.open(intake.from_user_report("other", "", Subject()), "key:test")
    with pytest.raises(InvalidInputError, match="1 to 256"):
        Subject(content_id="x" * 257)


def test_queue_puts_urgent_first(engine: Engine) -> None:
    for i, category in enumerate(["other", "sextortion", "csam"]):
        engine.cases.open(intake.from_user_report(category, "", Subject(f"c{i}")), "t")
    assert [c.priority for c in engine.cases.queue().cases] == [
        Priority.URGENT,
        Priority.HIGH,
        Priority.NORMAL,
    ]


def test_confirm_banks_the_hashes_preserves_drafts_reports_and_sends(engine: Engine) -> None:
    reviewer, _, _ = users(engine)
    bank_of(engine, IMAGES[:1])
    case_id, _ = _match_case(engine, IMAGES[0], "c-1", "acct-1")
    engine.cases.leases.claim(case_id, reviewer)
    case = engine.cases.get(case_id)
    decided = engine.cases.decide(
        case_id,
        reviewer,
        Decision.CONFIRM,
        "clear match",
        version=case.version,
        classification="B2",
    )
    assert decided.status is Status.DECIDED and decided.preserve_until is not None
    confirmed = engine.banks.entries("confirmed")
    assert {e.signal_type for e in confirmed} == {"pdq", "md5", "sha256"}
    webhook = next(r for r in _outbox(engine) if r.event == "case.decided")
    assert webhook.payload["actions"] == ["remove_content", "restrict_account"]
    assert "reason" not in webhook.payload  # the reviewer's notes stay with us
    with engine.db.read() as session:
        drafts = list(session.scalars(select(ReportRow).order_by(ReportRow.id)))
    assert [(r.authority, r.status) for r in drafts] == [("ncmec", "draft"), ("nca", "draft")]
    assert "<industryClassification>" not in drafts[0].document  # file details go separately


def test_false_positive_goes_to_do_not_match_and_stops_matching(engine: Engine) -> None:
    reviewer, _, _ = users(engine)
    bank_of(engine, IMAGES[:1])
    case_id, _ = _match_case(engine, IMAGES[0], "c-1")
    engine.cases.decide(case_id, reviewer, "false_positive", "benign meme", version=1)
    assert len(engine.banks.list_do_not_match()) >= 2
    engine.matcher.refresh()
    _, result = engine.match_bytes(IMAGES[0])
    assert not result.matched and "pdq" in result.suppressed


def test_a_decision_submitted_twice_is_refused_the_second_time(engine: Engine) -> None:
    reviewer, _, _ = users(engine)
    opened = engine.cases.open(intake.from_user_report("csam", "", Subject("c1")), "t")
    engine.cases.decide(opened.case.id, reviewer, "confirm", "seen", version=1)
    with pytest.raises(ConflictError, match="already decided"):
        engine.cases.decide(opened.case.id, reviewer, "confirm", "seen", version=1)
    with engine.db.read() as session:
        events = engine.audit.recent(session, action=Event.CASE_DECIDE)
    assert len(events) == 1


def test_new_evidence_since_the_page_was_opened_is_a_conflict(engine: Engine) -> None:
    reviewer, _, _ = users(engine)
    opened = engine.cases.open(intake.from_user_report("other", "", Subject("c1")), "t")
    engine.cases.open(intake.from_user_report("csam", "again", Subject("c1")), "t")
    with pytest.raises(ConflictError, match="changed since"):
        engine.cases.decide(opened.case.id, reviewer, "confirm", "ok", version=1)


def test_two_reviewers_deciding_at_once_one_wins(engine: Engine) -> None:
    reviewer, senior, _ = users(engine)
    opened = engine.cases.open(intake.from_user_report("csam", "", Subject("c1")), "t")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(user: object, decision: str) -> None:
        barrier.wait()
        try:
            engine.cases.decide(opened.case.id, user, decision, "mine", version=1)  # type: ignore[arg-type]
            outcomes.append("won")
        except ConflictError as exc:
            outcomes.append(str(exc))

    threads = [
        threading.Thread(target=decide, args=(reviewer, "confirm")),
        threading.Thread(target=decide, args=(senior, "false_positive")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[-1] == "won" and outcomes.count("won") == 1
    loser = next(o for o in outcomes if o != "won")
    assert "already decided" in loser or "changed since" in loser


def test_escalated_cases_need_a_senior(engine: Engine) -> None:
    reviewer, senior, _ = users(engine)
    opened = engine.cases.open(intake.from_user_report("other", "", Subject("c1")), "t")
    escalated = engine.cases.decide(opened.case.id, reviewer, "escalate", "unsure", version=1)
    assert escalated.escalated and escalated.priority is Priority.HIGH
    with pytest.raises(ForbiddenError, match="senior"):
        engine.cases.decide(opened.case.id, reviewer, "confirm", "ok", version=2)
    assert (
        engine.cases.decide(opened.case.id, senior, "confirm", "ok", version=2).status
        is Status.DECIDED
    )


def test_decisions_need_a_reason_and_a_known_verdict(engine: Engine) -> None:
    reviewer, _, _ = users(engine)
    opened = engine.cases.open(intake.from_user_report("other", "", Subject("c1")), "t")
    with pytest.raises(InvalidInputError, match="reason"):
        engine.cases.decide(opened.case.id, reviewer, "confirm", "  ", version=1)
    with pytest.raises(InvalidInputError, match="decision: must be one of"):
        engine.cases.decide(opened.case.id, reviewer, "delete-everything", "x", version=1)
    with pytest.raises(InvalidInputError, match="classification: must be one of"):
        engine.cases.decide(
            opened.case.id, reviewer, "confirm", "x", version=1, classification="Z9"
        )
