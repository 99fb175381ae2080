"""Upload metadata on /v1/match, /v1/match/signals and /v1/reports: kept with the case's
sampled evidence; a bad field is a 422 naming it, and nothing is stored."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from safeguarding.cases.tables import CaseRow
from safeguarding.demo import generated_image
from safeguarding.engine import Engine
from tests.api.conftest import _headers

IMAGE = generated_image(11)
META = {
    "uploader_ip": "198.51.100.23",
    "uploader_port": "51234",
    "screen_name": "Sam",
    "uploaded_at": "2025-03-01T09:30:00-05:00",
    "surface": "public_post",
}
STORED = {
    "uploader_ip": "198.51.100.23",
    "uploader_port": 51234,
    "screen_name": "Sam",
    "uploaded_at": "2025-03-01T14:30:00+00:00",
    "surface": "public_post",
}


def _cases(engine: Engine) -> int:
    with engine.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(CaseRow)) or 0)


def _samples(engine: Engine, case_id: int) -> list[dict[str, object]]:
    return [s.upload for e in engine.cases.get(case_id).evidence for s in e.samples]


def _banked(client: TestClient, engine: Engine) -> dict[str, str]:
    headers = _headers(engine, "admin")
    assert client.post("/v1/banks", json={"name": "known"}, headers=headers).status_code == 201
    added = client.post(
        "/v1/banks/known/content", headers=headers, files={"file": ("a.jpg", IMAGE)}
    )
    assert added.status_code == 201, added.text
    return headers


def test_match_keeps_the_upload_metadata_with_the_evidence(
    client: TestClient, api_engine: Engine
) -> None:
    headers = _banked(client, api_engine)
    answer = client.post(
        "/v1/match",
        headers=headers,
        files={"file": ("up.jpg", IMAGE)},
        data={"content_id": "post-1", "account_id": "acct-1", **META},
    )
    assert answer.status_code == 200, answer.text
    case_id = answer.json()["results"][0]["case"]["id"]
    assert _samples(api_engine, case_id) and all(s == STORED for s in _samples(api_engine, case_id))


def test_bad_match_metadata_is_refused_before_matching(
    client: TestClient, api_engine: Engine
) -> None:
    headers = _banked(client, api_engine)
    for field, value in [
        ("uploader_ip", "300.1.1.1"),
        ("uploader_port", "70000"),
        ("uploaded_at", "2025-03-01 09:30"),
        ("screen_name", "a\x00b"),
        ("surface", "x" * 65),
    ]:
        answer = client.post(
            "/v1/match",
            headers=headers,
            files={"file": ("up.jpg", IMAGE)},
            data={"content_id": "post-1", field: value},
        )
        assert answer.status_code == 422, (field, answer.text)
        assert field in answer.text
    assert _cases(api_engine) == 0


def test_signals_items_carry_their_own_metadata(client: TestClient, api_engine: Engine) -> None:
    headers = _banked(client, api_engine)
    md5 = api_engine.hash_bytes(IMAGE).get("md5")
    assert md5 is not None
    item = {"id": "post-2", "signals": [{"type": "md5", "value": md5.value}]}
    bad = client.post(
        "/v1/match/signals",
        headers=headers,
        json={"items": [{**item, **META}, {**item, "id": "post-3", "uploader_ip": "not-an-ip"}]},
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "uploader_ip"
    assert _cases(api_engine) == 0  # the good first item was not acted on either
    good = client.post(
        "/v1/match/signals",
        headers=headers,
        json={"items": [{**item, **META, "uploader_port": 51234}]},
    )
    assert good.status_code == 200, good.text
    assert _samples(api_engine, good.json()["results"][0]["case"]["id"]) == [STORED]


def test_reports_carry_metadata_about_the_reported_upload(
    client: TestClient, api_engine: Engine
) -> None:
    headers = _headers(api_engine, "cases")
    answer = client.post(
        "/v1/reports",
        headers=headers,
        json={"category": "csam", "content_id": "post-7", "reporter_id": "u-1", **META},
    )
    assert answer.status_code == 201, answer.text
    assert _samples(api_engine, answer.json()["id"]) == [STORED]
    refused = client.post(
        "/v1/reports",
        headers=headers,
        json={"category": "csam", "content_id": "post-8", "uploaded_at": "soon"},
    )
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "uploaded_at"
    assert _cases(api_engine) == 1
