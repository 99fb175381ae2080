"""NCMEC's report lifecycle (issue 11, point 16): a retry carries on the open report within
NCMEC's hour and never uploads a file twice; after it, or when NCMEC says the report is
gone, a new one is opened; a report refused for good is retracted; 'already finished' and
'already retracted' count as done; every upload is checked against NCMEC's MD5."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from safeguarding.audit.events import Event
from safeguarding.cases import intake
from safeguarding.cases.model import Subject
from safeguarding.demo import generated_image
from safeguarding.engine import Engine
from safeguarding.reporting.clients import CyberTiplineClient
from safeguarding.reporting.tables import ReportRow
from safeguarding.store.models import utcnow
from tests.fakes.setup import NCMEC_HOST, Fakes, response_engine, users

IMAGES = [generated_image(i, (200, 150)) for i in (31, 32)]


@pytest.fixture
def clock() -> list[float]:
    return [10_000.0]


@pytest.fixture
def fakes(clock: list[float]) -> Fakes:
    fakes = Fakes()
    fakes.ncmec.now = lambda: clock[0]
    return fakes


@pytest.fixture
def engine(db_url: str, fakes: Fakes) -> Iterator[Engine]:
    instance = response_engine(db_url, fakes, report_authorities=["ncmec"])
    instance.outbox.base_delay = 0.0
    users(instance)
    yield instance
    instance.close()


def _approved(engine: Engine) -> int:
    """A confirmed case with two preserved files, its CyberTipline report approved."""
    case_id = engine.cases.open(
        intake.from_user_report("csam", "reported", Subject("post-1", "acct-1")), "key:t"
    ).case.id
    for i, image in enumerate(IMAGES):
        engine.previews.add(case_id, image, f"f{i}.jpg", "key:t")
    engine.cases.decide(case_id, engine.users.get(1), "confirm", "seen", version=1)
    report = engine.reports.list(case_id=case_id)[0]
    engine.reports.approve(report.id, engine.users.get(2))
    return report.id


def _status(engine: Engine, report_id: int) -> str:
    return engine.reports.get(report_id).status


def _untouched_for(engine: Engine, report_id: int, minutes: int) -> None:
    with engine.db.write() as session:
        session.execute(
            update(ReportRow)
            .where(ReportRow.id == report_id)
            .values(external_touched_at=utcnow() - timedelta(minutes=minutes))
        )


def test_a_retry_carries_on_the_same_report_without_uploading_twice(
    engine: Engine, fakes: Fakes
) -> None:
    report_id = _approved(engine)
    fakes.ncmec.fail_on = {"finish": 1}
    engine.outbox.run_once("report")
    assert _status(engine, report_id) == "submitting"
    from safeguarding.reporting.tables import ReportFileRow

    with engine.db.read() as session:
        files = list(session.scalars(select(ReportFileRow)))
    assert len(files) == 2 and all(f.details_sent_at for f in files)  # a fileId per file
    engine.outbox.run_once("report")
    assert _status(engine, report_id) == "accepted"
    assert fakes.ncmec.count("submit") == 1 and fakes.ncmec.count("upload") == 2
    assert fakes.ncmec.count("fileinfo") == 2
    [filed] = fakes.ncmec.finished().values()
    assert len(filed.files) == 2 and all(f["details"] for f in filed.files.values())


def test_after_ncmecs_hour_a_new_report_is_opened(
    engine: Engine, fakes: Fakes, clock: list[float]
) -> None:
    report_id = _approved(engine)
    fakes.ncmec.fail_on = {"finish": 1}
    engine.outbox.run_once("report")
    first = engine.reports.get(report_id).external_id
    clock[0] += 2 * 3600  # the outage lasted two hours: NCMEC deleted the unfinished one
    _untouched_for(engine, report_id, 120)
    engine.outbox.run_once("report")
    report = engine.reports.get(report_id)
    assert report.status == "accepted" and report.external_id != first
    assert first not in fakes.ncmec.reports
    assert list(fakes.ncmec.finished()) == [report.external_id]
    with engine.db.read() as session:
        abandoned = engine.audit.recent(session, action=Event.REPORT_ABANDONED)
    assert abandoned and abandoned[0].details["external_id"] == first


def test_within_our_window_but_gone_at_ncmec_a_new_report_follows(
    engine: Engine, fakes: Fakes, clock: list[float]
) -> None:
    report_id = _approved(engine)
    fakes.ncmec.fail_on = {"finish": 1}
    engine.outbox.run_once("report")
    clock[0] += 3601  # NCMEC's clock says gone; ours says 0 minutes
    engine.outbox.run_once("report")  # finish: 5001, the report is forgotten
    assert _status(engine, report_id) == "submitting"
    assert engine.reports.get(report_id).external_id is None
    engine.outbox.run_once("report")
    assert _status(engine, report_id) == "accepted"
    assert fakes.ncmec.count("submit") == 2 and len(fakes.ncmec.finished()) == 1


def test_a_report_refused_for_good_is_retracted(engine: Engine, fakes: Fakes) -> None:
    report_id = _approved(engine)
    fakes.ncmec.reject_on = {"fileinfo": 1}
    engine.outbox.run_once("report")
    report = engine.reports.get(report_id)
    assert report.status == "rejected" and "4100" in (report.last_error or "")
    [filed] = fakes.ncmec.reports.values()
    assert filed.state == "retracted"  # no half report left at NCMEC
    assert engine.outbox.run_once("report") == 0


def test_already_finished_counts_as_finished(engine: Engine, fakes: Fakes) -> None:
    report_id = _approved(engine)
    fakes.ncmec.lose_answer_on = {"finish": 1}  # finished, but the answer never came
    engine.outbox.run_once("report")
    assert _status(engine, report_id) == "submitting"
    engine.outbox.run_once("report")  # finish again: 5102
    assert _status(engine, report_id) == "accepted"
    assert fakes.ncmec.count("submit") == 1 and len(fakes.ncmec.finished()) == 1


def test_already_retracted_counts_as_retracted(fakes: Fakes) -> None:
    client = CyberTiplineClient(
        f"https://{NCMEC_HOST}/ispws", "esp", "secret", transport=fakes.transport()
    )
    report_id = client.submit(_minimal_report())
    client.retract(report_id)
    client.retract(report_id)  # 5101: the state we asked for
    assert fakes.ncmec.reports[report_id].state == "retracted"


def test_a_damaged_upload_retracts_and_files_anew(engine: Engine, fakes: Fakes) -> None:
    report_id = _approved(engine)
    fakes.ncmec.corrupt_next_uploads = 1
    engine.outbox.run_once("report")
    report = engine.reports.get(report_id)
    assert report.status == "submitting" and report.external_id is None
    item = engine.outbox.items()[0]
    assert "MD5" in (item.last_error or "")
    engine.outbox.run_once("report")
    assert _status(engine, report_id) == "accepted"
    states = sorted(r.state for r in fakes.ncmec.reports.values())
    assert states == ["finished", "retracted"]


def _minimal_report() -> str:
    from safeguarding.reporting import ncmec
    from safeguarding.reporting.document import Reporter, ReportFacts

    facts = ReportFacts(
        1, "csam", utcnow(), "s", None, None, None, None, [], urgent=False, reviewed_by="sam"
    )
    return ncmec.build_report(facts, Reporter("Example", "Tess Safety", "ts@example.invalid"))
