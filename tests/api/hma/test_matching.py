"""HMA's matching and hashing endpoints (/hma/m/..., /hma/h/hash), each checked against
the example HMA documents in OpenMediaMatch/blueprints/matching.py and hashing.py
(facebook/ThreatExchange): lookup answers bank -> [{"bank_content_id", "distance"}],
keyed first by signal type for content; raw_lookup {"matches": [...]}; index status
{"pdq": {"built_to", "present", "size"}}; compare {"pdq": [true, {"distance": 9}]};
hashing {"pdq": "..."}."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageOps

from safeguarding.demo import generated_image
from safeguarding.media.remote import RemoteFetcher
from tests.fakes.media import MediaServer, loopback_plays_public

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def _flip(pdq: str, bits: int) -> str:
    value = int(pdq, 16) ^ ((1 << bits) - 1)
    return f"{value:064x}"


def _bank_with(client: TestClient, admin: dict[str, str], name: str, pdq: str) -> int:
    client.post("/hma/c/banks", json={"name": name}, headers=admin)
    added = client.post(f"/hma/c/bank/{name}/signal", json={"pdq": pdq}, headers=admin)
    entry: int = added.json()["id"]
    return entry


def test_lookup_by_signal_gives_banks_and_distances(
    client: TestClient, admin: dict[str, str], matcher_only: dict[str, str]
) -> None:
    a = _bank_with(client, admin, "BANK_A", PDQ)
    b = _bank_with(client, admin, "BANK_B", _flip(PDQ, 4))
    _bank_with(client, admin, "BANK_C", _flip(PDQ, 100))  # far beyond any threshold
    query = {"signal_type": "pdq", "signal": PDQ}
    found = client.get("/hma/m/lookup", params=query, headers=matcher_only)
    assert found.status_code == 200
    assert found.json() == {
        "BANK_A": [{"bank_content_id": a, "distance": "0"}],
        "BANK_B": [{"bank_content_id": b, "distance": "4"}],
    }
    only_b = client.get("/hma/m/lookup", params={**query, "banks": "BANK_B"}, headers=admin)
    assert list(only_b.json()) == ["BANK_B"]
    client.put("/hma/c/bank/BANK_A", json={"enabled": False}, headers=admin)
    assert list(client.get("/hma/m/lookup", params=query, headers=admin).json()) == ["BANK_B"]


def test_raw_lookup_with_and_without_distance(client: TestClient, admin: dict[str, str]) -> None:
    a = _bank_with(client, admin, "BANK_A", PDQ)
    query = {"signal_type": "pdq", "signal": _flip(PDQ, 2)}
    assert client.get("/hma/m/raw_lookup", params=query, headers=admin).json() == {"matches": [a]}
    with_distance = client.get(
        "/hma/m/raw_lookup", params={**query, "include_distance": "true"}, headers=admin
    )
    assert with_distance.json() == {"matches": [{"bank_content_id": a, "distance": "2"}]}


def test_lookup_errors_in_hma_shape(client: TestClient, admin: dict[str, str]) -> None:
    neither = client.get("/hma/m/lookup", headers=admin)
    assert neither.status_code == 400
    assert neither.json() == {"message": "Either url or both signal and signal_type are required"}
    for params in (
        {"signal_type": "pdq", "signal": "nothex"},
        {"signal_type": "nosuch", "signal": PDQ},
    ):
        refused = client.get("/hma/m/lookup", params=params, headers=admin)
        assert refused.status_code == 400 and set(refused.json()) == {"message"}
    missing = client.get("/hma/m/raw_lookup", params={"signal": PDQ}, headers=admin)
    assert missing.status_code == 400 and "signal_type" in missing.json()["message"]
    assert (
        client.get("/hma/m/lookup", params={"signal_type": "pdq", "signal": PDQ}).status_code == 401
    )


def test_upload_lookup_keys_by_signal_type(client: TestClient, admin: dict[str, str]) -> None:
    image = generated_image(31)
    client.post("/hma/c/banks", json={"name": "BANK_A"}, headers=admin)
    added = client.post(
        "/hma/c/bank/BANK_A/content", files={"photo": ("a.jpg", image)}, headers=admin
    ).json()
    mirrored = io.BytesIO()
    ImageOps.mirror(Image.open(io.BytesIO(image))).save(mirrored, "JPEG", quality=60)
    found = client.post(
        "/hma/m/lookup", files={"photo": ("m.jpg", mirrored.getvalue())}, headers=admin
    ).json()
    assert set(found) == {"pdq", "md5", "sha256"}
    assert [m["bank_content_id"] for m in found["pdq"]["BANK_A"]] == [added["id"]]
    assert found["md5"] == {} and found["sha256"] == {}  # other bytes
    same = client.post("/hma/m/lookup", files={"photo": ("a.jpg", image)}, headers=admin).json()
    assert set(same["md5"]) == {"BANK_A"} and same["pdq"]["BANK_A"][0]["distance"] == "0"


def test_hash_an_upload(client: TestClient, admin: dict[str, str]) -> None:
    image = generated_image(32)
    ours = client.post("/v1/hash", files={"file": ("a.jpg", image)}, headers=admin).json()
    ours_pdq = next(
        s["value"]
        for s in ours["results"][0]["hashes"]["signals"]
        if s["type"] == "pdq" and not s.get("view")
    )
    hashed = client.post("/hma/h/hash", files={"photo": ("a.jpg", image)}, headers=admin)
    assert hashed.status_code == 200
    assert set(hashed.json()) == {"pdq", "md5", "sha256"} and hashed.json()["pdq"] == ours_pdq
    only = client.post(
        "/hma/h/hash", params={"types": "pdq"}, files={"photo": ("a.jpg", image)}, headers=admin
    )
    assert only.json() == {"pdq": ours_pdq}
    two = client.post(
        "/hma/h/hash",
        files=[("photo", ("a.jpg", image)), ("photo", ("b.jpg", image))],
        headers=admin,
    )
    assert two.json() == {"message": "Only one file allowed per request"}
    broken = client.post("/hma/h/hash", files={"photo": ("a.jpg", image[:500])}, headers=admin)
    assert broken.status_code == 400 and set(broken.json()) == {"message"}


def test_index_status(client: TestClient, admin: dict[str, str], reader: dict[str, str]) -> None:
    _bank_with(client, admin, "BANK_A", PDQ)
    status = client.get("/hma/m/index/status", headers=reader).json()
    assert set(status) >= {"pdq", "md5", "sha256", "vpdq"}
    assert status["pdq"]["present"] is True and status["pdq"]["size"] == 1
    assert status["pdq"]["built_to"] > 0
    assert set(status["md5"]) == {"present", "built_to", "size"}
    one = client.get("/hma/m/index/status", params={"signal_type": "pdq"}, headers=reader)
    assert list(one.json()) == ["pdq"]
    unknown = client.get("/hma/m/index/status", params={"signal_type": "x"}, headers=reader)
    assert unknown.json() == {"message": "No such signal type 'x'"}


def test_compare(client: TestClient, admin: dict[str, str]) -> None:
    near, far = _flip(PDQ, 9), _flip(PDQ, 200)
    compared = client.post(
        "/hma/m/compare", json={"pdq": [PDQ, near], "md5": ["a" * 32, "a" * 32]}, headers=admin
    )
    assert compared.json() == {"pdq": [True, {"distance": 9}], "md5": [True, {"distance": 0}]}
    assert '"pdq":[true,{"distance":9}]' in compared.text  # an integer, as HMA's
    assert client.post("/hma/m/compare", json={"pdq": [PDQ, far]}, headers=admin).json() == {
        "pdq": [False, {"distance": 200}]
    }
    for body in ({"pdq": [PDQ]}, {"pdq": "x"}, {"pdq": [PDQ, "nothex"]}, {"nosuch": [PDQ, PDQ]}):
        refused = client.post("/hma/m/compare", json=body, headers=admin)
        assert refused.status_code == 400 and set(refused.json()) == {"message"}, body


# --- the ?url= forms: off by default; on, through a fetcher with our resolver ---------


@pytest.fixture
def media() -> Iterator[MediaServer]:
    server = MediaServer().start()
    yield server
    server.stop()


def test_url_forms_are_off_by_default(
    client: TestClient, admin: dict[str, str], media: MediaServer
) -> None:
    media.serve("/a.jpg", generated_image(33))
    url = f"http://127.0.0.1:{media.port}/a.jpg"
    for response in (
        client.get("/hma/h/hash", params={"url": url}, headers=admin),
        client.get("/hma/m/lookup", params={"url": url}, headers=admin),
    ):
        assert response.status_code == 400
        assert "fetching URLs is off" in response.json()["message"]
    assert media.requests == []


def test_url_forms_through_the_allow_list(
    client: TestClient, admin: dict[str, str], media: MediaServer
) -> None:
    image = generated_image(34)
    media.serve("/a.jpg", image)
    media.redirect("/inside", "http://internal.test/secret")
    names = {"media.test": "127.0.0.1", "internal.test": "10.0.0.8"}
    client.app.state.hma_fetcher = RemoteFetcher(  # type: ignore[attr-defined]
        ["test"],
        5000 * 1024,
        resolver=lambda host, port: [names[host]] if host in names else [],
        address_ok=loopback_plays_public,
    )
    url = f"http://media.test:{media.port}/a.jpg"
    hashed = client.get("/hma/h/hash", params={"url": url}, headers=admin).json()
    uploaded = client.post("/hma/h/hash", files={"photo": ("a.jpg", image)}, headers=admin).json()
    assert hashed == uploaded
    client.post("/hma/c/banks", json={"name": "BANK_A"}, headers=admin)
    added = client.post("/hma/c/bank/BANK_A/content", params={"url": url}, headers=admin).json()
    found = client.get("/hma/m/lookup", params={"url": url}, headers=admin).json()
    assert found["pdq"]["BANK_A"] == [{"bank_content_id": added["id"], "distance": "0"}]
    typed = client.get(
        "/hma/m/lookup", params={"url": url, "signal_type": "pdq"}, headers=admin
    ).json()
    assert typed == found["pdq"]
    refused = client.get(
        "/hma/h/hash", params={"url": f"http://media.test:{media.port}/inside"}, headers=admin
    )
    assert refused.status_code == 400
    assert "private, loopback or link-local" in refused.json()["message"]
    client.app.state.hma_fetcher.max_bytes = 1000  # type: ignore[attr-defined]
    too_big = client.get("/hma/h/hash", params={"url": url}, headers=admin)
    assert too_big.status_code == 413 and "exceeds the limit" in too_big.json()["message"]
