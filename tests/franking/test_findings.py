"""What the server finds in a verified franked report before it opens the case: revealed
attachments matched against the banks as uploads are, revealed images scored for possibly
new imagery (with the test double), and the messages read by the conversation engine. On
SQLite and PostgreSQL, with benign images only (the shared photos, generated ones)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from safeguarding.banks.model import Action
from safeguarding.banks.policy import BankPolicy
from safeguarding.cases.model import Case, Priority
from safeguarding.cases.tables import PreviewRow
from safeguarding.config import Settings
from safeguarding.device.franking import build_report, report_window
from safeguarding.device.images import MarkerDetector, marker_image
from safeguarding.engine import Engine
from safeguarding.store.models import utcnow
from tests.device.conftest import World
from tests.franking.conftest import GROOMING, SMALL_TALK, chat, key_file
from tests.imagery.conftest import png, sent


@pytest.fixture
def engine(db_url: str, tmp_path: Path) -> Iterator[Engine]:
    instance = Engine(
        Settings(
            database_url=db_url,
            franking_key_file=str(key_file(tmp_path)),
            conversation_model="none",
            webhook_url="http://127.0.0.1:9/hooks",
            webhook_secret="s" * 32,
        ),
        image_detector=MarkerDetector(),
    )
    yield instance
    instance.close()


def report(engine: Engine, world: World, reported: list[int], category: str) -> Case:
    data = build_report(report_window(world.history["bob"], reported, blobs=world.blobs))
    intake = engine.franking.report(
        data, reporter_id="bob", category=category, reason="", actor="platform"
    )
    return engine.cases.get(intake.opened.case.id)


def kinds(case: Case, kind: str) -> list[dict[str, Any]]:
    return [e.data for e in case.evidence if e.kind == kind]


def test_a_revealed_photo_in_a_bank_raises_the_case_and_names_the_bank(
    engine: Engine, photos: list[Path]
) -> None:
    photo = photos[3].read_bytes()
    engine.banks.create_bank("blocked", "t", policy=BankPolicy(action=Action.BLOCK))
    engine.banks.add_hashes("blocked", [(engine.hash_for_bank(photo), photos[3].name)], "t")
    world = chat(engine, SMALL_TALK, photo, "image/jpeg")
    case = report(engine, world, [1], "other")
    # a blocking bank's match is high priority, as an upload's would be; "other" is normal
    assert case.priority is Priority.HIGH
    (attachment,) = kinds(case, "franked_attachment")
    assert attachment["matched"] and {m["bank"] for m in attachment["matched"]} == {"blocked"}
    matches = kinds(case, "match")
    assert matches and {m["bank"] for m in matches} == {"blocked"}
    assert matches[0]["query"]["sha256"] == hashlib.sha256(photo).hexdigest()
    assert "matched blocked" in case.summary
    # a photo in no bank: nothing matched, the category's priority
    other = chat(engine, SMALL_TALK, photos[4].read_bytes(), "image/jpeg", mallory="eve")
    other_case = report(engine, other, [1], "other")
    assert other_case.id != case.id and other_case.priority is Priority.NORMAL
    assert [a["matched"] for a in kinds(other_case, "franked_attachment")] == [[]]
    assert not kinds(other_case, "match")


def test_a_non_image_attachment_is_matched_by_md5(engine: Engine) -> None:
    document = b"%PDF-1.4 a benign document, not an image"
    md5 = hashlib.md5(document).hexdigest()  # noqa: S324
    engine.banks.create_bank("reported", "t", policy=BankPolicy(action=Action.REPORT))
    engine.banks.add_signals("reported", [("md5", md5, None)], "t")
    world = chat(engine, SMALL_TALK, document, "application/pdf")
    case = report(engine, world, [1], "other")
    assert case.priority is Priority.URGENT  # a reporting bank, as for an upload
    assert [m["bank"] for m in kinds(case, "match")] == ["reported"]
    assert not kinds(case, "new_imagery")  # not an image: never scored


def test_only_hashes_outlive_the_evidence_retention(engine: Engine, photos: list[Path]) -> None:
    photo = photos[3].read_bytes()
    engine.banks.create_bank("blocked", "t", policy=BankPolicy(action=Action.BLOCK))
    engine.banks.add_hashes("blocked", [(engine.hash_for_bank(photo), None)], "t")
    case = report(engine, chat(engine, SMALL_TALK, photo, "image/jpeg"), [1], "other")
    with engine.db.write() as session:
        session.execute(update(PreviewRow).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert engine.previews.purge() == 1
    with engine.db.read() as session:
        assert not list(session.scalars(select(PreviewRow.id)))
    kept = engine.cases.get(case.id)
    assert kinds(kept, "match")[0]["bank"] == "blocked"
    assert kinds(kept, "franked_attachment")[0]["query"]["md5"] == hashlib.md5(photo).hexdigest()  # noqa: S324


def test_a_likely_nude_image_in_a_child_related_report_is_flagged_and_sends_nothing(
    engine: Engine,
) -> None:
    flagged = png(marker_image())
    case = report(engine, chat(engine, SMALL_TALK, flagged, "image/png"), [1], "grooming")
    # a grooming report is normal priority (the engine sees no grooming in small talk)
    assert case.priority is Priority.HIGH and "possibly_new_imagery" in case.labels
    (finding,) = kinds(case, "new_imagery")
    assert finding["notice"] == "possibly new imagery, unverified"
    assert finding["detector"] == MarkerDetector.name and float(finding["score"]) >= 0.5
    assert finding["query"]["sha256"] == hashlib.sha256(flagged).hexdigest()
    # only the opening every report sends: nothing for the platform or an authority because of it
    assert sent(engine) == (["case.opened"], 0)


def test_a_benign_image_or_a_report_not_about_children_is_not_flagged(engine: Engine) -> None:
    benign = png(marker_image(share=0))
    plain = report(engine, chat(engine, SMALL_TALK, benign, "image/png"), [1], "grooming")
    assert plain.priority is Priority.NORMAL and "possibly_new_imagery" not in plain.labels
    assert not kinds(plain, "new_imagery")
    world = chat(engine, SMALL_TALK, png(marker_image()), "image/png", mallory="eve")
    other = report(engine, world, [1], "other")
    assert other.priority is Priority.NORMAL and not kinds(other, "new_imagery")


def test_without_a_detector_nothing_is_scored(db_url: str, tmp_path: Path) -> None:
    settings = Settings(
        database_url=db_url, franking_key_file=str(key_file(tmp_path)), conversation_model="none"
    )
    engine = Engine(settings)
    try:
        assert not engine.imagery.on and engine.imagery.describe().startswith("off")
        flagged = png(marker_image())
        case = report(engine, chat(engine, SMALL_TALK, flagged, "image/png"), [1], "grooming")
        assert case.priority is Priority.NORMAL
        assert not kinds(case, "new_imagery") and "possibly_new_imagery" not in case.labels
    finally:
        engine.close()


def test_a_franked_grooming_report_gets_the_engines_tier_and_per_message_signs(
    engine: Engine,
) -> None:
    world = chat(engine, GROOMING, b"", "image/png")
    case = report(engine, world, [6], "other")
    assert case.priority is Priority.URGENT and "grooming" in case.labels
    (reading,) = kinds(case, "franked_assessment")
    assert reading["alert"] and reading["category"] == "grooming" and reading["tier"] == "urgent"
    assert reading["offender"] == "mallory" and reading["child"] == "bob"
    per_message = reading["per_message"]
    assert per_message["0"] == ["age_probe"] and "image_request" in per_message["6"]
    assert "1" not in per_message  # bob's "13" is not a tactic


def test_small_talk_gets_no_tier(engine: Engine) -> None:
    case = report(engine, chat(engine, SMALL_TALK[:2], b"", "image/png"), [0], "other")
    assert case.priority is Priority.NORMAL and case.labels == ["other", "verified_by_franking"]
    assert all(not r["alert"] for r in kinds(case, "franked_assessment"))
