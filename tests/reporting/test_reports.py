"""Reports built from confirmed cases, approved by a senior, sent to in-process fakes of the
CyberTipline and the NCA (never the network)."""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree import ElementTree as ET

import pytest

from safeguarding.cases import intake
from safeguarding.cases.model import Status, Subject
from safeguarding.engine import Engine
from safeguarding.errors import ConflictError, ForbiddenError
from safeguarding.reporting import ncmec
from safeguarding.reporting.document import ReportedFile, Reporter, ReportFacts
from safeguarding.store.models import utcnow
from tests.fakes.cybertipline import FakeCyberTipline, schema_errors
from tests.fakes.setup import Fakes, bank_of, response_engine, users

REPORTER = Reporter("Example", "Tess Safety", "ts@example.invalid")


@pytest.fixture
def fakes() -> Fakes:
    return Fakes()


@pytest.fixture
def engine(db_url: str, fakes: Fakes) -> Iterator[Engine]:
    instance = response_engine(db_url, fakes)
    instance.outbox.base_delay = 0.0
    yield instance
    instance.close()


def _confirmed_match(engine: Engine, image: bytes) -> int:
    reviewer, _, _ = users(engine)
    bank_of(engine, [image])
    hashes, result = engine.match_bytes(image)
    opened = engine.open_match_case(result, hashes.primary(), Subject("post-1", "acct-1"))
    assert opened is not None
    case_id = opened.case.id
    engine.previews.add(case_id, image, "upload.jpg", "key:test")
    engine.cases.decide(case_id, reviewer, "confirm", "matches", version=1, classification="B2")
    return case_id


def test_cybertipline_documents_are_valid_against_ncmecs_schema() -> None:
    facts = ReportFacts(
        7,
        "sextortion",
        utcnow(),
        "alert",
        "acct-1",
        None,
        "conv-1",
        15,
        [ReportedFile("a.jpg", "0" * 32, "f" * 64, "B2", None, ["hotline"])],
        urgent=True,
        reviewed_by="sam",
    )
    report = ncmec.build_report(facts, REPORTER)
    assert schema_errors(report) == []
    root = ET.fromstring(report)
    assert root.find("incidentSummary/reportAnnotations/sextortion") is not None
    assert root.findtext("personOrUserReported/espIdentifier") == "acct-1"
    assert root.findtext("victim/victimPerson/age") == "15"
    file_details = ncmec.build_file_details("9", "f1", facts.files[0])
    assert schema_errors(file_details) == []
    details = ET.fromstring(file_details)
    assert details.findtext("industryClassification") == "B2"
    assert details.find("originalFileHash").get("hashType") == "MD5"  # type: ignore[union-attr]


def test_the_schema_check_catches_what_a_builder_gets_wrong() -> None:
    """The fake's check is the XSD itself, not a copy of the builder's element lists."""
    facts = ReportFacts(
        7,
        "csam",
        utcnow(),
        "match",
        "acct-1",
        None,
        None,
        None,
        [],
        urgent=False,
        reviewed_by="sam",
    )
    good = ncmec.build_report(facts, REPORTER)
    swapped = good.replace("<reporter>", "<victim><victimPerson /></victim><reporter>", 1)
    assert any("victim" in e for e in schema_errors(swapped))
    unknown = good.replace(
        "<incidentType>Child Pornography", "<incidentType>Child Abuse Imagery", 1
    )
    assert schema_errors(unknown) != []
    assert schema_errors(good.replace("</report>", "")) != []


def test_a_senior_approves_and_the_fakes_accept(
    engine: Engine, fakes: Fakes, photos: list[object]
) -> None:
    from pathlib import Path

    image = Path(str(photos[0])).read_bytes()
    case_id = _confirmed_match(engine, image)
    reviewer = engine.users.get(1)
    senior = engine.users.get(2)
    drafts = engine.reports.list(case_id=case_id)
    assert sorted(r.authority for r in drafts) == ["nca", "ncmec"]
    with pytest.raises(ForbiddenError, match="senior"):
        engine.reports.approve(drafts[0].id, reviewer)
    assert engine.outbox.run_once() == 0  # nothing goes before approval
    for report in drafts:
        engine.reports.approve(report.id, senior)
    with pytest.raises(ConflictError, match="already approved"):
        engine.reports.approve(drafts[0].id, senior)
    assert engine.outbox.run_once() == 2
    by_authority = {r.authority: r for r in engine.reports.list(case_id=case_id)}
    assert by_authority["ncmec"].status == "accepted"
    assert by_authority["ncmec"].external_id in fakes.ncmec.reports
    filed = fakes.ncmec.reports[by_authority["ncmec"].external_id or ""]
    assert filed.state == "finished" and fakes.ncmec.rejected == []
    details = ET.fromstring(next(iter(filed.files.values()))["details"])
    assert details.findtext("industryClassification") == "B2"
    assert by_authority["nca"].external_id == "NCA-000001"
    assert fakes.nca.received[0]["category"] == "csea_content"
    assert engine.cases.get(case_id).status is Status.CLOSED


def test_a_cybertipline_outage_is_retried_without_a_second_report(
    engine: Engine, fakes: Fakes
) -> None:
    fakes.ncmec.fail_next = 2
    reviewer, senior, _ = users(engine)
    opened = engine.cases.open(
        intake.from_user_report("sextortion", "threatening me", Subject(account_id="acct-2")), "t"
    )
    engine.cases.decide(opened.case.id, reviewer, "confirm", "threats", version=1)
    ncmec_draft = next(r for r in engine.reports.list() if r.authority == "ncmec")
    engine.reports.approve(ncmec_draft.id, senior)
    engine.outbox.run_once("report")
    engine.outbox.run_once("report")
    assert engine.reports.get(ncmec_draft.id).status == "approved"
    engine.outbox.run_once("report")
    report = engine.reports.get(ncmec_draft.id)
    assert report.status == "accepted" and len(fakes.ncmec.reports) == 1
    xml = fakes.ncmec.reports[report.external_id or ""].xml
    assert "Online Enticement" in xml
    assert ET.fromstring(xml).find("incidentSummary/reportAnnotations/sextortion") is not None


def test_wrong_credentials_are_retried_not_lost(db_url: str) -> None:
    fakes = Fakes(ncmec=FakeCyberTipline(password="rotated"))
    engine = response_engine(db_url, fakes, report_authorities=["ncmec"])
    try:
        reviewer, senior, _ = users(engine)
        opened = engine.cases.open(intake.from_user_report("csam", "", Subject("c1")), "t")
        engine.cases.decide(opened.case.id, reviewer, "confirm", "seen", version=1)
        report = engine.reports.list()[0]
        engine.reports.approve(report.id, senior)
        engine.outbox.run_once()
        assert engine.reports.get(report.id).status == "approved"
        item = engine.outbox.items()[0]
        assert item.status == "pending" and "credentials" in (item.last_error or "")
    finally:
        engine.close()


def test_a_failing_report_does_not_hold_back_other_cases_or_authorities(
    engine: Engine, fakes: Fakes
) -> None:
    engine.outbox.base_delay = 60.0  # the failed one waits a minute
    reviewer, senior, _ = users(engine)
    case_ids = []
    for i in range(2):
        opened = engine.cases.open(
            intake.from_user_report("sextortion", "threats", Subject(account_id=f"acct-{i}")), "t"
        )
        engine.cases.decide(opened.case.id, reviewer, "confirm", "threats", version=1)
        case_ids.append(opened.case.id)
    first, second = ({r.authority: r for r in engine.reports.list(case_id=c)} for c in case_ids)
    for report in (first["ncmec"], first["nca"], second["ncmec"]):
        engine.reports.approve(report.id, senior)
    fakes.ncmec.fail_next = 1  # the CyberTipline is down for the first report only
    assert engine.outbox.run_once("report") == 2
    assert engine.reports.get(first["ncmec"].id).status == "approved"
    assert engine.reports.get(first["nca"].id).status == "accepted"
    assert engine.reports.get(second["ncmec"].id).status == "accepted"
    assert engine.outbox.run_once("report") == 0  # still backing off, not spinning
    waiting = [i for i in engine.outbox.items() if i.status == "pending"]
    assert len(waiting) == 1 and "503" in (waiting[0].last_error or "")
