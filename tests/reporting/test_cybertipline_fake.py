"""The CyberTipline fake answers as NCMEC documents it: schema-valid answers, error codes
with error HTTP statuses (never 200), `reportDoneResponse` on finish, the uploaded file's
MD5, and unfinished reports gone an hour after their last change."""

from __future__ import annotations

import hashlib

import httpx

from safeguarding.reporting import ncmec
from safeguarding.reporting.document import Reporter, ReportFacts
from safeguarding.store.models import utcnow
from tests.fakes.cybertipline import FakeCyberTipline, parse_document

BASE = "https://cybertip.test/ispws/"


def _client(fake: FakeCyberTipline, password: str = "secret") -> httpx.Client:  # noqa: S107
    return httpx.Client(base_url=BASE, auth=("esp", password), transport=fake.transport())


def _report() -> str:
    facts = ReportFacts(
        1,
        "csam",
        utcnow(),
        "match",
        "acct-1",
        "post-1",
        None,
        None,
        [],
        urgent=False,
        reviewed_by="sam",
    )
    return ncmec.build_report(facts, Reporter("Example", "Tess Safety", "ts@example.invalid"))


def _answer(response: httpx.Response) -> tuple[str, dict[str, str]]:
    root, errors = parse_document(response.content)
    assert errors == [], errors  # every answer is itself valid against NCMEC's schema
    return root.tag, {child.tag: child.text or "" for child in root}


def test_a_whole_report_and_its_answers() -> None:
    fake = FakeCyberTipline()
    client = _client(fake)
    submitted = client.post(
        "submit", content=_report().encode(), headers={"Content-Type": "text/xml; charset=utf-8"}
    )
    tag, body = _answer(submitted)
    assert submitted.status_code == 200 and tag == "reportResponse"
    assert body["responseCode"] == "0"
    report_id = body["reportId"]
    data = b"\xff\xd8 a benign test file"
    uploaded = client.post("upload", data={"id": report_id}, files={"file": ("p.jpg", data)})
    _, body = _answer(uploaded)
    assert body["hash"] == hashlib.md5(data).hexdigest()  # noqa: S324
    finished = client.post("finish", data={"id": report_id})
    tag, body = _answer(finished)
    assert tag == "reportDoneResponse" and body["reportId"] == report_id
    again = client.post("finish", data={"id": report_id})
    assert again.status_code == 409 and _answer(again)[1]["responseCode"] == "5102"
    retract = client.post("retract", data={"id": report_id})
    assert retract.status_code == 409 and _answer(retract)[1]["responseCode"] == "5102"


def test_errors_are_not_http_200() -> None:
    fake = FakeCyberTipline()
    client = _client(fake)
    invalid = client.post(
        "submit", content=_report().replace("<reporter>", "<reporter><x/>").encode()
    )
    assert invalid.status_code == 422 and _answer(invalid)[1]["responseCode"] == "4100"
    broken = client.post("submit", content=b"<report>")
    assert broken.status_code == 400 and _answer(broken)[1]["responseCode"] == "4110"
    unknown = client.post("finish", data={"id": "123"})
    assert unknown.status_code == 404 and _answer(unknown)[1]["responseCode"] == "5001"
    refused = _client(fake, password="wrong").post("submit", content=_report().encode())
    assert refused.status_code == 401 and _answer(refused)[1]["responseCode"] == "2000"
    assert fake.reports == {}


def test_an_unfinished_report_is_gone_an_hour_after_its_last_change() -> None:
    clock = [1000.0]
    fake = FakeCyberTipline(now=lambda: clock[0])
    client = _client(fake)
    report_id = _answer(client.post("submit", content=_report().encode()))[1]["reportId"]
    clock[0] += 3000
    assert (
        client.post("upload", data={"id": report_id}, files={"file": ("p.jpg", b"x")}).status_code
        == 200
    )  # a change
    clock[0] += 3000  # 50 minutes after the upload: still there
    retracted = client.post("retract", data={"id": report_id})
    assert retracted.status_code == 200
    other = _answer(client.post("submit", content=_report().encode()))[1]["reportId"]
    clock[0] += 3601
    gone = client.post("finish", data={"id": other})
    assert gone.status_code == 404 and _answer(gone)[1]["responseCode"] == "5001"
