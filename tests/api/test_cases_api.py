"""The platform's case endpoints: user reports, previews, status; garbage and hostile input
gets a clear error and stores nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from safeguarding.cases.tables import CaseRow, PreviewRow
from safeguarding.demo import generated_image
from safeguarding.engine import Engine
from tests.api.conftest import _headers
from tests.media.test_image import png_declaring


def _count(engine: Engine, table: type[CaseRow] | type[PreviewRow]) -> int:
    with engine.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_a_user_report_opens_a_case_and_status_reads_back(
    client: TestClient, api_engine: Engine
) -> None:
    headers = _headers(api_engine, "cases")
    answer = client.post(
        "/v1/reports",
        headers=headers,
        json={"category": "sextortion", "reason": "he wants money", "account_id": "acct-1"},
    )
    assert answer.status_code == 201 and answer.json()["priority"] == "urgent"
    status = client.get(f"/v1/cases/{answer.json()['id']}", headers=headers).json()
    assert status["status"] == "new" and "evidence" not in status
    assert client.get("/v1/cases/999", headers=headers).status_code == 404


def test_bad_reports_are_refused_and_store_nothing(client: TestClient, api_engine: Engine) -> None:
    headers = _headers(api_engine, "cases")
    bad = [
        {"category": "spam", "account_id": "a"},
        {"category": "csam"},  # nothing to act on
        {"category": "csam", "account_id": "a", "reason": "x" * 3000},
        {"category": "csam", "account_id": "a", "signals": [{"type": "pdq", "value": "not-hex"}]},
        {"category": "csam", "account_id": "a", "surprise": True},
    ]
    for body in bad:
        answer = client.post("/v1/reports", headers=headers, json=body)
        assert answer.status_code == 422, body
    assert (
        client.post(
            "/v1/reports",
            headers=headers,
            content=b"\xff{{{",
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/v1/reports",
            headers=_headers(api_engine, "match"),
            json={"category": "csam", "account_id": "a"},
        ).status_code
        == 403
    )
    assert (
        client.post("/v1/reports", json={"category": "csam", "account_id": "a"}).status_code == 401
    )
    assert _count(api_engine, CaseRow) == 0


def test_previews_refuse_corrupt_and_bomb_images(client: TestClient, api_engine: Engine) -> None:
    headers = _headers(api_engine, "cases")
    case_id = client.post(
        "/v1/reports", headers=headers, json={"category": "csam", "content_id": "c1"}
    ).json()["id"]
    cases = {
        "corrupt.jpg": (b"\xff\xd8\xff\xe0 truncated", 422),
        "bomb.png": (png_declaring(50_000, 50_000), 413),
        "notes.txt": (b"just some text", 415),
        "empty.jpg": (b"", 422),
    }
    for name, (data, status) in cases.items():
        answer = client.post(
            f"/v1/cases/{case_id}/preview", headers=headers, files={"file": (name, data)}
        )
        assert answer.status_code == status, (name, answer.text)
        assert answer.json()["error"]["message"]
    assert (
        client.post(
            "/v1/cases/999/preview", headers=headers, files={"file": ("a.jpg", generated_image(1))}
        ).status_code
        == 404
    )
    assert _count(api_engine, PreviewRow) == 0
    ok = client.post(
        f"/v1/cases/{case_id}/preview",
        headers=headers,
        files={"file": ("a.jpg", generated_image(1))},
    )
    assert ok.status_code == 201 and _count(api_engine, PreviewRow) == 1
