"""New imagery, server side: a review upload scored by the nudity detector (the test double
here, on generated benign pictures); a likely nude image raises an open child-related case
and labels it, and nothing is sent to the platform or an authority because of it. On SQLite
and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from safeguarding.cases import intake
from safeguarding.cases.model import Case, Priority, Subject
from safeguarding.cases.tables import CaseRow
from safeguarding.config import Settings
from safeguarding.device.images import MarkerDetector, NudeNetDetector, marker_image
from safeguarding.engine import Engine
from safeguarding.imagery import LABEL, NOTICE, detector_for
from safeguarding.server import create_app
from tests.fakes.setup import Fakes, response_engine
from tests.imagery.conftest import png, sent


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    instance = response_engine(db_url, Fakes(), webhook_url="http://127.0.0.1:9/hooks")
    instance.imagery.detector = MarkerDetector()
    yield instance
    instance.close()


def reported(engine: Engine, category: str, account: str) -> int:
    request = intake.from_user_report(category, "", Subject(account_id=account), reporter="r1")
    return engine.cases.open(request, "key:t").case.id


def new_imagery(case: Case) -> list[dict[str, Any]]:
    return [e.data for e in case.evidence if e.kind == "new_imagery"]


def test_a_likely_nude_review_upload_raises_a_child_related_case_and_sends_nothing(
    engine: Engine,
) -> None:
    case_id = reported(engine, "grooming", "acct-1")
    before = engine.cases.get(case_id)
    assert before.priority is Priority.NORMAL
    queued = sent(engine)
    token = engine.keys.create("p", ["cases"], "t").token
    with TestClient(create_app(engine=engine)) as client:
        answer = client.post(
            f"/v1/cases/{case_id}/preview",
            files={"file": ("upload.png", png(marker_image()), "image/png")},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert answer.status_code == 201, answer.text
    after = engine.cases.get(case_id)
    assert after.priority is Priority.HIGH and LABEL in after.labels
    assert after.version == before.version + 1  # a reviewer's open form is now stale
    (finding,) = new_imagery(after)
    assert finding["notice"] == NOTICE and finding["file"] == "upload.png"
    assert set(finding["query"]) >= {"pdq", "md5", "sha256"}
    # never a report or a webhook of its own: the outbox is as it was
    assert sent(engine) == queued and queued[1] == 0


def test_not_child_related_or_not_likely_changes_nothing(engine: Engine) -> None:
    other = reported(engine, "other", "acct-2")
    finding = engine.add_preview(other, png(marker_image()), "a.png", "key:t")[1]
    assert finding is not None and finding.likely  # scored, but not a child-related case
    case = engine.cases.get(other)
    assert case.priority is Priority.NORMAL and not new_imagery(case) and case.version == 1
    child = reported(engine, "sextortion", "acct-3")
    benign = engine.add_preview(child, png(marker_image(share=0)), "b.png", "key:t")[1]
    assert benign is not None and not benign.likely
    assert not new_imagery(engine.cases.get(child))


def test_a_decided_case_is_left_alone(engine: Engine) -> None:
    case_id = reported(engine, "csam", "acct-4")
    with engine.db.write() as session:
        row = session.get(CaseRow, case_id)
        assert row is not None
        row.status = "closed"
    finding = engine.add_preview(case_id, png(marker_image()), "c.png", "key:t")[1]
    assert finding is not None and finding.likely
    closed = engine.cases.get(case_id)
    assert not new_imagery(closed) and closed.priority is Priority.HIGH  # csam's own


def test_bytes_that_are_not_an_image_are_not_scored(engine: Engine) -> None:
    assert engine.imagery.score(b"not an image at all") is None


def test_nudenet_is_the_detector_the_setting_names() -> None:
    pytest.importorskip("onnxruntime")  # the nudenet extra (make install adds it)
    assert isinstance(detector_for("nudenet"), NudeNetDetector)


def test_off_by_default_and_then_nothing_is_scored(db_url: str) -> None:
    assert detector_for("off") is None
    off = Engine(Settings(database_url=db_url))
    try:
        assert not off.imagery.on and "off" in off.imagery.describe()
        assert off.imagery.score(png(marker_image())) is None
    finally:
        off.close()
