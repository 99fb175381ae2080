"""Aggregated evidence on SQLite and PostgreSQL: content that keeps coming back stays
decidable, and what is stored about it stays bounded."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from safeguarding.banks.model import Action
from safeguarding.cases import evidence, intake
from safeguarding.cases.model import Decision, Status, Subject
from safeguarding.cases.tables import CaseEvidenceRow, EvidenceSampleRow
from safeguarding.cases.uploads import UploadInfo
from safeguarding.delivery.tables import OutboxRow
from safeguarding.demo import generated_image
from safeguarding.engine import Engine
from safeguarding.store.models import utcnow
from tests.fakes.setup import Fakes, bank_of, response_engine, users

IMAGE = generated_image(5)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    instance = response_engine(db_url, Fakes(), webhook_url="http://127.0.0.1:9/hooks")
    yield instance
    instance.close()


def _upload(
    engine: Engine,
    content_id: str = "post-1",
    account: str | None = "acct-1",
    upload: UploadInfo | None = None,
    image: bytes = IMAGE,
) -> int:
    hashes, result = engine.match_bytes(image)
    opened = engine.open_match_case(result, hashes.primary(), Subject(content_id, account), upload)
    assert opened is not None
    return opened.case.id


def _count(engine: Engine, table: type[CaseEvidenceRow] | type[EvidenceSampleRow]) -> int:
    with engine.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_a_form_stays_valid_while_the_same_content_keeps_matching(engine: Engine) -> None:
    reviewer, _, _ = users(engine)
    bank_of(engine, [IMAGE])
    case_id = _upload(engine)
    for round_ in range(3):
        version = engine.cases.get(case_id).version  # the reviewer opens the page
        for i in range(3):  # the file comes back meanwhile, from other accounts too
            assert _upload(engine, account=f"acct-{round_}-{i}") == case_id
        decision = Decision.NEEDS_INFO if round_ < 2 else Decision.CONFIRM
        decided = engine.cases.decide(case_id, reviewer, decision, "looked", version=version)
        assert decided.version == version + 1
    assert engine.cases.get(case_id).status is Status.DECIDED


def test_decisions_succeed_under_a_stream_of_repeat_matches(engine: Engine) -> None:
    reviewer, _, _ = users(engine)
    bank_of(engine, [IMAGE])
    case_id = _upload(engine)
    stop = threading.Event()
    streamed: list[int] = []
    failures: list[BaseException] = []

    def stream() -> None:
        hashes, result = engine.match_bytes(IMAGE)
        while not stop.is_set():
            try:
                engine.open_match_case(
                    result, hashes.primary(), Subject("post-1", f"acct-{len(streamed) % 7}")
                )
                streamed.append(1)
            except BaseException as exc:  # pragma: no cover - reported below
                failures.append(exc)
                return

    def total() -> int:  # uploads of the file so far
        return engine.cases.get(case_id).evidence[0].count

    thread = threading.Thread(target=stream)
    thread.start()
    try:
        outcomes = []
        for decision in (Decision.NEEDS_INFO, Decision.NEEDS_INFO, Decision.CONFIRM):
            version = engine.cases.get(case_id).version
            seen = total()
            while total() < seen + 3 and not failures:  # matches land while we "review"
                time.sleep(0.01)
            outcomes.append(
                engine.cases.decide(case_id, reviewer, decision, "checked", version=version).status
            )
    finally:
        stop.set()
        thread.join()
    assert failures == []
    assert outcomes == [Status.IN_REVIEW, Status.IN_REVIEW, Status.DECIDED]
    assert len(streamed) >= 9


def test_stored_evidence_stays_bounded(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evidence, "MAX_TRACKED_ACCOUNTS", 10)
    bank_of(engine, [IMAGE])
    repeats = 40
    for i in range(repeats):
        upload = UploadInfo.parse(
            uploader_ip=f"203.0.113.{i}",
            uploader_port=40000 + i,
            screen_name=f"name {i}",
            surface="public_post",
            uploaded_at=f"2025-01-31T12:00:{i:02d}Z",
        )
        case_id = _upload(engine, account=f"acct-{i % 15}", upload=upload)
    case = engine.cases.get(case_id)
    assert len(case.evidence) == 3  # pdq, md5, sha256: one row each, however many uploads
    assert _count(engine, CaseEvidenceRow) == 3
    per_row = evidence.FIRST_SAMPLES + evidence.LAST_SAMPLES
    assert _count(engine, EvidenceSampleRow) == 3 * per_row
    for item in case.evidence:
        assert item.count == repeats and item.accounts == 10  # counted up to the cap
        assert item.last_seen is not None and item.added_at is not None
        assert item.last_seen >= item.added_at
        ports = [s.upload["uploader_port"] for s in item.samples]
        assert ports == [40000, 40001, 40002, 40037, 40038, 40039]  # first and last three
        assert item.samples[-1].upload == {
            "uploader_ip": "203.0.113.39",
            "uploader_port": 40039,
            "screen_name": "name 39",
            "uploaded_at": "2025-01-31T12:00:39+00:00",
            "surface": "public_post",
        }
        assert item.samples[-1].content_id == "post-1"
        assert item.samples[-1].account_id == "acct-9"


def test_distinct_accounts_are_counted_exactly_below_the_cap(engine: Engine) -> None:
    bank_of(engine, [IMAGE])
    for account in ("a", "b", "a", None, "c", "b"):
        case_id = _upload(engine, account=account)
    assert {(e.count, e.accounts) for e in engine.cases.get(case_id).evidence} == {(6, 3)}


def test_new_evidence_still_makes_a_form_stale(engine: Engine) -> None:
    other = generated_image(6)
    bank_of(engine, [IMAGE, other])
    case_id = _upload(engine, content_id="post-1", account="acct-1")
    version = engine.cases.get(case_id).version
    _upload(engine, content_id="post-2", account="acct-1", image=other)  # another file
    assert engine.cases.get(case_id).version == version + 1


def test_repeated_reports_are_counted_with_each_reporter_sampled(engine: Engine) -> None:
    subject = Subject(content_id="post-9")
    for reporter in ("u1", "u2", "u3"):
        opened = engine.cases.open(
            intake.from_user_report("csam", f"reported by {reporter}", subject, reporter=reporter),
            "key:t",
        )
    case = engine.cases.get(opened.case.id)
    assert case.version == 1 and len(case.evidence) == 1
    assert case.evidence[0].count == 3
    assert [s.details["reporter"] for s in case.evidence[0].samples] == ["u1", "u2", "u3"]


def test_a_blocking_match_asks_for_removal_once_per_content(engine: Engine) -> None:
    bank_of(engine, [IMAGE], "hotline", Action.BLOCK)
    for content_id in ("post-1", "post-1", "post-1", "post-2"):
        _upload(engine, content_id=content_id, account="acct-1")
    with engine.db.read() as session:
        sent = list(
            session.scalars(
                select(OutboxRow)
                .where(OutboxRow.event == "case.policy_action")
                .order_by(OutboxRow.id)
            )
        )
    assert [(r.payload["content_id"], r.payload["actions"]) for r in sent] == [
        ("post-1", ["remove_content"]),
        ("post-2", ["remove_content"]),
    ]


def test_upload_metadata_is_purged_after_retention_unless_preserved(engine: Engine) -> None:
    reviewer, _, _ = users(engine)
    bank_of(engine, [IMAGE, generated_image(7)])
    meta = UploadInfo.parse(uploader_ip="2001:db8::1", screen_name="someone")
    kept = _upload(engine, content_id="post-1", account="acct-1", upload=meta)
    dropped = _upload(
        engine, content_id="post-2", account="acct-2", upload=meta, image=generated_image(7)
    )
    engine.cases.decide(kept, reviewer, "confirm", "seen", version=1)  # preserved
    assert engine.cases.purge_uploads() == 0  # still within retention
    with engine.db.write() as session:
        assert (
            evidence.purge_uploads(session, timedelta(days=30), now=utcnow() + timedelta(days=31))
            == 3
        )
    assert all(s.upload == {} for e in engine.cases.get(dropped).evidence for s in e.samples)
    assert all(
        s.upload == {"uploader_ip": "2001:db8::1", "screen_name": "someone"}
        for e in engine.cases.get(kept).evidence
        for s in e.samples
    )
    assert engine.cases.get(dropped).evidence[0].samples[0].account_id == "acct-2"
