"""The device's known-image check against the real API: the hashes the device computed,
in the body `match_request` builds, match a bank entry the server hashed itself."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from safeguarding.device.known import Surface, hash_image, match_request, read_match_response
from safeguarding.engine import Engine
from safeguarding.hashing.hasher import hash_bytes
from safeguarding.media.limits import MediaLimits
from tests.api.conftest import _headers

pytest.importorskip("pdqhash")


def test_the_request_matches_a_known_image_through_the_api(
    client: TestClient, api_engine: Engine, photos: list[Path]
) -> None:
    data = photos[3].read_bytes()
    api_engine.banks.create_bank("known", "t")
    pdq = hash_bytes(data, MediaLimits()).primary()["pdq"]
    api_engine.banks.add_signals("known", [("pdq", pdq, None)], "t")
    body = match_request(
        hash_image(data), Surface.PROFILE_PHOTO, content_id="avatar-1", account_id="acct-1"
    )
    assert body["items"][0]["surface"] == "profile_photo"
    answer = client.post("/v1/match/signals", headers=_headers(api_engine, "match"), json=body)
    assert answer.status_code == 200, answer.text
    result = read_match_response(answer.json())
    assert result.matched and result.action == "review" and result.case_id is not None
    other = io.BytesIO()
    Image.new("RGB", (300, 200), (20, 200, 90)).save(other, "PNG")
    answer = client.post(
        "/v1/match/signals",
        headers=_headers(api_engine, "match"),
        json=match_request(hash_image(other.getvalue()), Surface.PUBLIC_POST, content_id="post-1"),
    )
    assert not read_match_response(answer.json()).matched
