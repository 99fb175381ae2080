"""What a CyberTipline report says must be true (issue 11, points 14, 15 and 17): the
original file's hash, which files a reviewer saw, the classification of each file, when
and from where the content was uploaded, and text that always parses. Every document goes
through the fake, which validates it against NCMEC's schema."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import update

from safeguarding.cases import intake
from safeguarding.cases.model import Subject
from safeguarding.cases.tables import CaseEvidenceRow
from safeguarding.cases.uploads import UploadInfo
from safeguarding.demo import generated_image
from safeguarding.engine import Engine
from safeguarding.reporting import ncmec
from safeguarding.reporting.document import ReportedFile, Reporter, ReportFacts, Upload
from safeguarding.store.models import utcnow
from tests.fakes.cybertipline import schema_errors
from tests.fakes.setup import Fakes, bank_of, response_engine, users

IMAGES = [generated_image(i, (320, 240)) for i in (21, 22)]
UPLOADED_AT = "2025-03-04T05:06:07+00:00"


@pytest.fixture
def fakes() -> Fakes:
    return Fakes()


@pytest.fixture
def engine(db_url: str, fakes: Fakes) -> Iterator[Engine]:
    instance = response_engine(db_url, fakes, report_authorities=["ncmec"])
    instance.outbox.base_delay = 0.0
    users(instance)  # rita (reviewer, id 1), sam (senior, id 2), ada
    yield instance
    instance.close()


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()  # noqa: S324 (NCMEC's hash)


def _match_case(engine: Engine, image: bytes, content_id: str = "post-1") -> int:
    hashes, result = engine.match_bytes(image)
    opened = engine.open_match_case(result, hashes.primary(), Subject(content_id, "acct-1"))
    assert opened is not None
    return opened.case.id


def _with_upload(engine: Engine, case_id: int, upload: dict[str, Any]) -> None:
    """Evidence rows carrying the platform's upload metadata (the keys the API takes)."""
    with engine.db.write() as session:
        for row in session.query(CaseEvidenceRow).filter_by(case_id=case_id):
            row.data = {**row.data, "upload": upload}


def _send(engine: Engine, fakes: Fakes, case_id: int) -> tuple[ET.Element, list[ET.Element]]:
    senior = engine.users.get(2)
    report = engine.reports.list(case_id=case_id)[0]
    engine.reports.approve(report.id, senior)
    engine.outbox.run_once("report")
    sent = engine.reports.get(report.id)
    assert sent.status == "accepted", sent.last_error
    assert fakes.ncmec.rejected == []
    filed = fakes.ncmec.reports[sent.external_id or ""]
    files = [ET.fromstring(f["details"]) for f in filed.files.values()]
    return ET.fromstring(filed.xml), files


def _decide(engine: Engine, case_id: int, **kwargs: Any) -> None:
    reviewer = engine.users.get(1)
    version = engine.cases.get(case_id).version
    engine.cases.decide(case_id, reviewer, "confirm", "matches", version=version, **kwargs)


def test_the_original_files_md5_is_sent_and_the_preview_named_as_such(
    engine: Engine, fakes: Fakes
) -> None:
    bank_of(engine, IMAGES[:1])
    case_id = _match_case(engine, IMAGES[0])
    preview_id = engine.previews.add(case_id, IMAGES[0], "holiday.jpg", "key:t")
    _decide(engine, case_id, classification="B2")
    _, [details] = _send(engine, fakes, case_id)
    stored = engine.cases.get(case_id).previews[0]
    assert stored.md5 != _md5(IMAGES[0])  # we keep a re-encoding ...
    assert details.findtext("originalFileHash") == _md5(IMAGES[0])  # ... NCMEC gets the
    assert details.findtext("fileName") == f"preview-{preview_id}.jpg"  # original's hash
    assert details.findtext("originalFileName") == "holiday.jpg"
    filed = next(iter(fakes.ncmec.reports.values()))
    uploaded = next(iter(filed.files.values()))
    assert uploaded["md5"] == stored.md5 and uploaded["name"] == f"preview-{preview_id}.jpg"


def test_a_preview_of_another_rendition_still_reports_the_matched_files_md5(
    engine: Engine, fakes: Fakes
) -> None:
    """The platform may give a smaller rendition as the preview: the case is about one
    file, and its MD5 (the match's) is the one NCMEC needs."""
    bank_of(engine, IMAGES[:1])
    case_id = _match_case(engine, IMAGES[0])
    thumbnail = generated_image(21, (160, 120))
    engine.previews.add(case_id, thumbnail, "thumb.jpg", "key:t")
    _decide(engine, case_id)
    _, [details] = _send(engine, fakes, case_id)
    assert details.findtext("originalFileHash") == _md5(IMAGES[0]) != _md5(thumbnail)


def test_file_viewed_by_esp_only_for_a_file_a_reviewer_revealed(
    engine: Engine, fakes: Fakes
) -> None:
    case_id = engine.cases.open(
        intake.from_user_report("csam", "reported", Subject("post-2", "acct-2")), "key:t"
    ).case.id
    shown = engine.previews.add(case_id, IMAGES[0], "a.jpg", "key:t")
    blurred = engine.previews.add(case_id, IMAGES[1], "b.jpg", "key:t")
    engine.previews.render(case_id, shown, "user:rita", reveal=True)
    engine.previews.render(case_id, blurred, "user:rita", reveal=False)
    _decide(engine, case_id, classification="B1", file_classifications={shown: "A2"})
    _, files = _send(engine, fakes, case_id)
    by_name = {f.findtext("originalFileName"): f for f in files}
    assert by_name["a.jpg"].findtext("fileViewedByEsp") == "true"
    assert by_name["b.jpg"].findtext("fileViewedByEsp") == "false"
    # classification per file: its own, else the case's
    assert by_name["a.jpg"].findtext("industryClassification") == "A2"
    assert by_name["b.jpg"].findtext("industryClassification") == "B1"
    # nobody told us whether the files were public: not claimed either way
    assert all(f.find("publiclyAvailable") is None for f in files)


def test_upload_metadata_reaches_the_report(engine: Engine, fakes: Fakes) -> None:
    bank_of(engine, IMAGES[:1])
    case_id = _match_case(engine, IMAGES[0])
    engine.previews.add(case_id, IMAGES[0], "p.jpg", "key:t")
    _with_upload(
        engine,
        case_id,
        {
            "uploader_ip": "203.0.113.7",
            "uploader_port": 51234,
            "screen_name": "sunny\x07day",
            "uploaded_at": UPLOADED_AT,
            "surface": "profile_photo",
        },
    )
    _decide(engine, case_id, classification="B2")
    report, [details] = _send(engine, fakes, case_id)
    assert report.findtext("incidentSummary/incidentDateTime") == "2025-03-04T05:06:07Z"
    assert "upload" in (report.findtext("incidentSummary/incidentDateTimeDescription") or "")
    assert report.find("internetDetails/webPageIncident") is not None
    user = report.find("personOrUserReported")
    assert user is not None and user.findtext("screenName") == "sunnyday"  # control char out
    assert user.findtext("ipCaptureEvent/ipAddress") == "203.0.113.7"
    assert user.findtext("ipCaptureEvent/port") == "51234"
    assert user.findtext("ipCaptureEvent/eventName") == "Upload"
    assert details.findtext("uploadedToEspTimestamp") == "2025-03-04T05:06:07Z"
    assert details.findtext("ipCaptureEvent/ipAddress") == "203.0.113.7"
    hashes = details.find("details")
    assert hashes is not None and hashes.get("type") == "HASH"
    pairs = {p.findtext("name"): p.findtext("value") for p in hashes}
    assert pairs["MD5"] == _md5(IMAGES[0]) and len(pairs["PDQ"] or "") == 64


def test_a_message_surface_is_a_chat_incident(engine: Engine, fakes: Fakes) -> None:
    case_id = engine.cases.open(
        intake.from_user_report(
            "csam", "sent to my child", Subject("msg-1", "acct-3"), query={"md5": _md5(b"x")}
        ),
        "key:t",
    ).case.id
    _with_upload(engine, case_id, {"surface": "message", "uploaded_at": UPLOADED_AT})
    _decide(engine, case_id)
    report, files = _send(engine, fakes, case_id)
    assert files == []  # no preview: nothing uploaded, the hash is in the text
    assert report.findtext("internetDetails/chatImIncident/chatClient") == "Example Platform"
    assert f"MD5 of msg-1: {_md5(b'x')}" in (report.findtext("additionalInfo") or "")


def test_without_an_upload_time_the_incident_is_when_the_evidence_first_came(
    engine: Engine, fakes: Fakes
) -> None:
    case_id = engine.cases.open(
        intake.from_user_report("csam", "seen", Subject("post-9")), "key:t"
    ).case.id
    first_seen = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    with engine.db.write() as session:
        session.execute(
            update(CaseEvidenceRow)
            .where(CaseEvidenceRow.case_id == case_id)
            .values(added_at=first_seen)
        )
    _decide(engine, case_id)
    report, _ = _send(engine, fakes, case_id)
    assert report.findtext("incidentSummary/incidentDateTime") == "2025-01-02T03:04:05Z"
    assert "no upload or message time" in (
        report.findtext("incidentSummary/incidentDateTimeDescription") or ""
    )


def test_a_conversation_report_is_dated_by_its_messages(engine: Engine, fakes: Fakes) -> None:
    from safeguarding.conversation.analyzer import Message

    messages = [
        Message("x", "i have your pics", "2025-02-01T10:00:00Z"),
        Message(
            "x", "pay me $200 or i send them to all your friends and family", "2025-02-01T10:05:00Z"
        ),
    ]
    assessment = engine.conversations.add_messages("conv-7", messages)
    assert assessment.alert
    case_id = engine.cases.queue().cases[0].id
    _decide(engine, case_id)
    report, _ = _send(engine, fakes, case_id)
    at = report.findtext("incidentSummary/incidentDateTime") or ""
    assert at.startswith("2025-02-01T10:0")
    assert report.find("internetDetails/chatImIncident") is not None


def test_control_characters_never_break_the_xml() -> None:
    nasty = "a\x00b\x01c\x08d\x0be\x0cf\x1bg\x7fh\x85i\ufffej\ud800k"
    files = [
        ReportedFile(
            f"p{nasty}.jpg",
            "0" * 32,
            "f" * 64,
            "A1",
            1,
            [nasty],
            original_file_name=nasty,
            upload=Upload(utcnow() - timedelta(days=1), "198.51.100.2", 443, nasty, nasty),
        )
    ]
    facts = ReportFacts(
        3,
        "sextortion",
        utcnow(),
        nasty,
        nasty,
        nasty,
        nasty,
        14,
        files,
        urgent=True,
        reviewed_by=nasty,
        incident_at_basis=nasty,
        screen_name=nasty,
        uploads=[files[0].upload or Upload()],
        surface=nasty,
    )
    reporter = Reporter(nasty, f"Tess {nasty}", "ts@example.invalid", nasty)
    for document in (
        ncmec.build_report(facts, reporter),
        ncmec.build_file_details("1", "f1", files[0]),
    ):
        assert schema_errors(document) == []
        assert "abcdefghijk" in document


def test_upload_metadata_from_the_intake_samples_reaches_the_report(
    engine: Engine, fakes: Fakes
) -> None:
    """The path a platform uses: metadata on each match call, kept with the samples."""
    bank_of(engine, IMAGES[:1])
    hashes, result = engine.match_bytes(IMAGES[0])
    cases = set()
    for ip, at in (
        ("198.51.100.20", "2025-05-06T09:08:09+02:00"),
        ("2001:db8::7", "2025-05-06T06:00:00+00:00"),
    ):
        opened = engine.open_match_case(
            result,
            hashes.primary(),
            Subject("dm-5", "acct-5"),
            UploadInfo.parse(ip, 40000, "shadow", at, "message"),
        )
        assert opened is not None
        cases.add(opened.case.id)
    [case_id] = cases
    engine.previews.add(case_id, IMAGES[0], "p.jpg", "key:t")
    _decide(engine, case_id)
    report, [details] = _send(engine, fakes, case_id)
    assert report.findtext("incidentSummary/incidentDateTime") == "2025-05-06T06:00:00Z"
    assert report.find("internetDetails/chatImIncident") is not None
    user = report.find("personOrUserReported")
    assert user is not None and user.findtext("screenName") == "shadow"
    assert [e.findtext("ipAddress") for e in user.findall("ipCaptureEvent")] == [
        "2001:db8::7",
        "198.51.100.20",
    ]
    assert details.findtext("uploadedToEspTimestamp") == "2025-05-06T06:00:00Z"
    assert details.findtext("ipCaptureEvent/port") == "40000"
