"""The server's franking: stamps from the key file, franked reports verified whole and
opened as cases with the verified messages only; every forgery refused with its reason and
nothing stored. On SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from safeguarding.audit.tables import AuditEventRow
from safeguarding.cases.tables import CaseEvidenceRow, CaseRow, PreviewRow
from safeguarding.config import Settings
from safeguarding.device.franking import (
    Failure,
    Keyring,
    Message,
    Stamper,
    build_report,
    frank,
    parse_stamp,
    report_window,
    seal_attachment,
)
from safeguarding.device.franking.keys import DAY_MS, REPORT_WINDOW_MS
from safeguarding.engine import Engine
from safeguarding.errors import FrankingError, InvalidInputError, NotFoundError
from safeguarding.franking import KeyFile, StampRequest, rotate_key_file
from safeguarding.store.models import utcnow
from tests.device.conftest import T0, Clock, World
from tests.franking.conftest import server_world


def stored(engine: Engine) -> tuple[int, int, int]:
    """Cases, previews and audit events: what a refused report must not add to."""
    with engine.db.read() as session:
        return tuple(
            int(session.scalar(select(func.count()).select_from(t)) or 0)
            for t in (CaseRow, PreviewRow, AuditEventRow)
        )  # type: ignore[return-value]


def bob_reports(world: World, reported: list[int], **window: int) -> bytes:
    return build_report(report_window(world.history["bob"], reported, blobs=world.blobs, **window))


def test_a_verified_report_opens_a_case_with_the_verified_messages_only(
    franking_engine: Engine,
) -> None:
    world = server_world(franking_engine)
    intake = franking_engine.franking.report(
        bob_reports(world, [4], before=3, after=1),
        reporter_id="bob",
        category="grooming",
        reason="he asked my age and to keep it secret",
        actor="platform",
    )
    case = franking_engine.cases.get(intake.opened.case.id)
    assert intake.opened.created and case.kind.value == "user_report"
    assert case.subject.account_id == "mallory" and case.subject.conversation_id == "c1"
    assert "verified_by_franking" in case.labels
    report = next(e for e in case.evidence if e.kind == "franked_report")
    assert report.data["verified_by"] == "franking" and report.data["reporter"] == "bob"
    assert [(m["sender"], m["text"], m["reported"]) for m in report.data["messages"]] == [
        ("mallory", "a friend of your cousin, how old are you?", False),
        ("bob", "13", False),
        ("mallory", "here is a photo of my dog", False),
        ("mallory", "don't tell your parents we talk", True),
        ("bob", "ok", False),
    ]
    assert "hi who is this" not in str(report.data)  # outside the window: never sent
    assert report.data["omitted"] == {"mallory": 0, "bob": 0}
    photo = next(e for e in case.evidence if e.kind == "franked_attachment")
    assert set(photo.data["query"]) >= {"md5", "pdq", "sha256"}
    assert len(intake.previews) == 1 and intake.not_previewed == ()
    # the same report again is the same evidence, counted on the open case
    again = franking_engine.franking.report(
        bob_reports(world, [4], before=3, after=1),
        reporter_id="bob",
        category="grooming",
        reason="again",
        actor="platform",
    )
    assert again.opened.case.id == case.id and not again.opened.created


@pytest.mark.parametrize(
    "forgery",
    [
        "altered_text",
        "swapped_attachment",
        "other_conversation",
        "other_sender",
        "replayed_stamp",
        "not_participant",
        "expired_key",
        "rogue_key",
        "garbage",
    ],
)
def test_forged_reports_are_refused_and_store_nothing(
    franking_engine: Engine, forgery: str
) -> None:
    world = server_world(franking_engine)
    items = report_window(world.history["bob"], [4, 3], before=0, after=0, blobs=world.blobs)
    said, photo = items[1], items[0]
    reporter, at = "bob", world.clock.now
    if forgery == "altered_text":
        report = build_report(
            [dataclasses.replace(said, body=said.body.replace(b"don't tell", b"won't tell"))]
        )
        reason = Failure.COMMITMENT
    elif forgery == "swapped_attachment":
        key = world.history["bob"][3].message.attachments[0].key
        other = seal_attachment(b"another picture", "image/jpeg", key=key).blob
        report = build_report([dataclasses.replace(photo, attachments=(other,))])
        reason = Failure.ATTACHMENT_HASH
    elif forgery == "other_conversation":
        report = build_report(
            [dataclasses.replace(said, stamp=said.stamp.replace(b"\x02c1", b"\x02c9"))]
        )
        reason = Failure.STAMP
    elif forgery == "other_sender":
        report = build_report(
            [dataclasses.replace(said, stamp=said.stamp.replace(b"\x07mallory", b"\x07malloyy"))]
        )
        reason = Failure.STAMP
    elif forgery == "replayed_stamp":
        report = build_report([dataclasses.replace(said, stamp=photo.stamp)])
        reason = Failure.COMMITMENT
    elif forgery == "not_participant":
        report, reporter, reason = build_report([said]), "carol", Failure.NOT_PARTICIPANT
    elif forgery == "expired_key":
        key_id = parse_stamp(said.stamp).key_id
        server_key = Keyring.from_json(
            Path(str(franking_engine.settings.franking_key_file)).read_text()
        ).get(key_id)
        assert server_key is not None
        assert server_key.verifies_until_ms == server_key.stamps_until_ms + REPORT_WINDOW_MS
        report, at = build_report([said]), server_key.verifies_until_ms
        reason = Failure.KEY_EXPIRED
    elif forgery == "rogue_key":
        stamp = parse_stamp(said.stamp)
        rogue = Stamper(
            Keyring().rotated(stamp.stamped_at_ms - 1), clock=lambda: stamp.stamped_at_ms
        )
        forged = rogue.stamp(
            stamp.commitment, sender_id="mallory", recipient_id="bob", conversation_id="c1"
        )
        report = build_report([dataclasses.replace(said, stamp=forged)])
        reason = Failure.STAMP
    else:
        report, reason = b"SGR\x01" + b"\xff" * 40, Failure.FORMAT
    before = stored(franking_engine)
    world.clock.now = at
    with pytest.raises(FrankingError) as info:
        franking_engine.franking.report(
            report, reporter_id=reporter, category="grooming", reason="", actor="platform"
        )
    assert info.value.reason == reason, str(info.value)
    assert stored(franking_engine) == before


def test_a_bad_category_is_refused_before_anything_is_stored(franking_engine: Engine) -> None:
    world = server_world(franking_engine)
    before = stored(franking_engine)
    with pytest.raises(InvalidInputError, match="category"):
        franking_engine.franking.report(
            bob_reports(world, [4]), reporter_id="bob", category="spam", reason="", actor="platform"
        )
    assert stored(franking_engine) == before


def test_stamps_name_the_key_and_refuse_what_the_layout_cannot_carry(
    franking_engine: Engine,
) -> None:
    franked = frank(Message("c1", "alice", 1, "hello"))
    service = franking_engine.franking
    service.clock = Clock()
    stamps = service.stamp([StampRequest(franked.commitment, "alice", "bob", "c1")] * 3)
    assert len({parse_stamp(s).key_id for s in stamps}) == 1
    with pytest.raises(FrankingError) as info:
        service.stamp([StampRequest(b"short", "alice", "bob", "c1")])
    assert info.value.reason == Failure.INVALID
    with pytest.raises(FrankingError):
        service.stamp([StampRequest(franked.commitment, "a\x00", "bob", "c1")])
    with pytest.raises(InvalidInputError, match="1 to 1000"):
        service.stamp([])
    service.clock = Clock(T0 + 30 * DAY_MS)  # past the only key's stamping period
    with pytest.raises(NotFoundError, match="franking rotate"):
        service.stamp([StampRequest(franked.commitment, "alice", "bob", "c1")])


def test_without_a_key_file_franking_is_off(engine: Engine) -> None:
    with pytest.raises(NotFoundError, match="franking_key_file"):
        engine.franking.stamp([StampRequest(b"\x00" * 32, "a", "b", "c")])
    with pytest.raises(NotFoundError, match="franking_key_file"):
        engine.franking.report(b"", reporter_id="b", category="other", reason="", actor="t")


def test_the_key_file_is_checked_at_start_and_followed_when_rotated(
    tmp_path: Path, sqlite_url: str
) -> None:
    path = tmp_path / "keys.json"
    with pytest.raises(InvalidInputError, match="franking rotate"):
        KeyFile(path)
    path.write_text("{not json")
    with pytest.raises(InvalidInputError, match="not a franking keyring"):
        Engine(Settings(database_url=sqlite_url, franking_key_file=str(path)))
    with pytest.raises(InvalidInputError, match="not a franking keyring"):
        rotate_key_file(path, at_ms=1_000)  # never overwrites keys it cannot read
    path.unlink()
    rotate_key_file(path, at_ms=1_000)
    assert path.stat().st_mode & 0o777 == 0o600
    keys = KeyFile(path)
    assert [k.key_id for k in keys.keyring()] == [1]
    rotate_key_file(path, at_ms=2_000)
    assert [k.key_id for k in keys.keyring()] == [1, 2]
    # keys past their report window are deleted on rotation
    last = max(k.verifies_until_ms for k in keys.keyring())
    rotate_key_file(path, at_ms=last + 1)
    assert [k.key_id for k in keys.keyring()] == [3]


def test_message_texts_are_cleared_after_the_retention_unless_preserved(
    franking_engine: Engine,
) -> None:
    world = server_world(franking_engine)
    service = franking_engine.franking
    first = service.report(
        bob_reports(world, [4]), reporter_id="bob", category="grooming", reason="", actor="t"
    ).opened.case.id
    world.send("carol", "bob", "hello again", conversation="c2")
    second = service.report(
        build_report(
            report_window(
                [m for m in world.history["bob"] if m.message.conversation_id == "c2"], [0]
            )
        ),
        reporter_id="bob",
        category="grooming",
        reason="",
        actor="t",
    ).opened.case.id
    assert first != second  # another sender: another case
    old = utcnow() - timedelta(days=franking_engine.settings.preview_retention_days + 1)
    with franking_engine.db.write() as session:
        session.execute(update(CaseEvidenceRow).values(added_at=old))
        session.execute(
            update(CaseRow)
            .where(CaseRow.id == second)
            .values(preserve_until=utcnow() + timedelta(days=30))
        )
    assert franking_engine.cases.purge_franked_texts() == 1
    assert franking_engine.cases.purge_franked_texts() == 0
    cleared = next(
        e for e in franking_engine.cases.get(first).evidence if e.kind == "franked_report"
    )
    assert {m["text"] for m in cleared.data["messages"]} == {None}
    assert cleared.data["messages"][0]["commitment"] and cleared.data["texts_cleared_at"]
    kept = next(e for e in franking_engine.cases.get(second).evidence if e.kind == "franked_report")
    assert [m["text"] for m in kept.data["messages"]] == ["hello again"]
