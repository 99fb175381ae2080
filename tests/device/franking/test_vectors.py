"""The published test vectors are what the code makes, and the documented formulas (written
out again here with the standard library's hmac and hashlib, not our code) give them."""

from __future__ import annotations

import hashlib
import hmac
import json

from safeguarding.device.franking.vectors import generate
from tests.conftest import ROOT

VECTORS = ROOT / "docs" / "device-vectors.json"


def test_the_vector_file_is_current() -> None:
    assert json.loads(VECTORS.read_text(encoding="utf-8")) == generate()


def mac(key: str, data: bytes) -> str:
    return hmac.new(bytes.fromhex(key), data, hashlib.sha256).hexdigest()


def test_the_documented_formulas_give_the_vectors() -> None:
    vectors = generate()
    for message in vectors["messages"]:
        body = bytes.fromhex(message["body"])
        assert body[4:36].hex() == message["franking_key"]
        assert mac(message["franking_key"], body[:4] + body[36:]) == message["commitment"]
    attachment = vectors["attachment"]
    assert (
        mac(attachment["key"], b"safeguarding attachment v1 key commitment")
        == attachment["key_commitment"]
    )
    assert (
        mac(attachment["key"], b"safeguarding attachment v1 encryption key")
        == attachment["encryption_key"]
    )
    sealed = bytes.fromhex(attachment["sealed"])
    assert hashlib.sha256(sealed).hexdigest() == attachment["sealed_sha256"]
    assert sealed[4:28].hex() == attachment["nonce"]
    assert sealed[28:60].hex() == attachment["key_commitment"]
    for stamp_vector, message in zip(vectors["stamps"], vectors["messages"], strict=True):
        stamp = bytes.fromhex(stamp_vector["stamp"])
        assert stamp[-64:-32].hex() == message["commitment"]
        assert mac(vectors["server_key"]["secret"], stamp[:-32]) == stamp[-32:].hex()
        assert int.from_bytes(stamp[8:16], "big") == stamp_vector["stamped_at_ms"]
    docs = (ROOT / "docs" / "device.md").read_text(encoding="utf-8")
    assert vectors["messages"][0]["commitment"] in docs
    assert vectors["stamps"][0]["stamp"] in docs
