"""A case read whole in the caller's transaction (cases/records.py): what reports are built
from instead of the case's rows."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from safeguarding.cases import records
from safeguarding.cases.model import Classification, Decision, Subject
from safeguarding.demo import generated_image
from safeguarding.engine import Engine
from tests.fakes.setup import Fakes, bank_of, response_engine, users

IMAGE = generated_image(7)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    instance = response_engine(db_url, Fakes())
    yield instance
    instance.close()


def test_a_decided_case_reads_back_whole_with_its_files(engine: Engine) -> None:
    reviewer, _, _ = users(engine)
    bank_of(engine, [IMAGE])
    hashes, result = engine.match_bytes(IMAGE)
    opened = engine.open_match_case(result, hashes.primary(), Subject("post-9", "acct-9"))
    assert opened is not None
    case_id = opened.case.id
    preview_id = engine.previews.add(case_id, IMAGE, "upload.png", "platform")
    engine.cases.decide(
        case_id,
        reviewer,
        Decision.CONFIRM,
        "seen",
        version=opened.case.version,
        classification="A2",
        file_classifications={preview_id: "B1"},
    )
    with engine.db.read() as session:
        case = records.load(session, case_id)
        files = records.preview_files(session, case_id)
        assert records.load(session, case_id + 1000) is None
    assert case is not None and case.id == case_id
    assert case.subject == Subject("post-9", "acct-9")
    assert case.classification is Classification.A2
    assert case.evidence and {e.kind for e in case.evidence} == {"match"}
    [preview] = case.previews
    assert preview.id == preview_id and preview.file_name == "upload.png"
    assert preview.classification is Classification.B1
    assert preview.original_md5 == hashlib.md5(IMAGE).hexdigest()  # noqa: S324 (NCMEC's)
    stored = hashlib.md5(files[preview_id]).hexdigest()  # noqa: S324 (NCMEC's)
    assert stored == preview.md5  # the bytes as stored, re-encoded
