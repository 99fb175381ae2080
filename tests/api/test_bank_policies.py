"""Bank policies through the API: the flat fields as before, and settings per signal type."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_flat_fields_and_the_policy_map_are_one_policy(
    client: TestClient, admin: dict[str, str]
) -> None:
    created = client.post(
        "/v1/banks",
        headers=admin,
        json={"name": "b", "pdq_threshold": 20, "policies": {"vpdq": {"query_match_percent": 95}}},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["pdq_threshold"], body["min_quality"], body["vpdq_query_match_percent"]) == (
        20,
        50,
        95.0,
    )
    assert body["policies"] == {
        "pdq": {"threshold": 20, "min_quality": 50},
        "vpdq": {"frame_threshold": 20, "query_match_percent": 95.0, "index_match_percent": 0.0},
    }
    patched = client.patch(
        "/v1/banks/b", headers=admin, json={"policies": {"pdq": {"min_quality": 70}}}
    ).json()
    assert patched["policies"]["pdq"] == {"threshold": 20, "min_quality": 70}
    patched = client.patch("/v1/banks/b", headers=admin, json={"pdq_threshold": 8}).json()
    assert (patched["pdq_threshold"], patched["policies"]["vpdq"]["frame_threshold"]) == (8, 8)
    assert client.get("/v1/banks/b", headers=admin).json()["policies"] == patched["policies"]


def test_bad_policies_are_refused_and_change_nothing(
    client: TestClient, admin: dict[str, str]
) -> None:
    assert client.post("/v1/banks", headers=admin, json={"name": "b"}).status_code == 201
    before = client.get("/v1/banks/b", headers=admin).json()
    for body, message in (
        ({"pdq_threshold": 20, "policies": {"pdq": {"threshold": 25}}}, "disagree"),
        ({"policies": {"pdq": {"threshold": 300}}}, "policies.pdq.threshold"),
        ({"policies": {"pdq": {"radius": 3}}}, "unknown setting"),
        ({"policies": {"photodna": {"threshold": 3}}}, "unknown signal type"),
    ):
        refused = client.patch("/v1/banks/b", headers=admin, json=body)
        assert refused.status_code == 422 and message in refused.text, refused.text
        created = client.post("/v1/banks", headers=admin, json={"name": "c", **body})
        assert created.status_code == 422 and message in created.text, created.text
    assert client.get("/v1/banks/b", headers=admin).json() == before
    assert client.get("/v1/banks/c", headers=admin).status_code == 404
