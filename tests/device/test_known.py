"""The known-image check on send: MD5 and PDQ on the device, as close to the server's as
PDQ needs; never for messages. (Through the API: tests/api/test_known_image_check.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from safeguarding.device.known import Surface, hash_image
from safeguarding.errors import UnsupportedMediaError
from safeguarding.hashing.hasher import hash_bytes
from safeguarding.media.limits import MediaLimits

pytest.importorskip("pdqhash")


def distance(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def test_device_hashes_are_the_servers_within_pdq_tolerance(photos: list[Path]) -> None:
    # Measured on all 241 shared photos: for PDQ quality >= 50 (the banks' minimum), the
    # median distance is 0 bits, 95% are within 4 and the most is 20 (a match is <= 31).
    checked = 0
    for path in photos[::12]:
        data = path.read_bytes()
        ours, server = hash_image(data), hash_bytes(data, MediaLimits()).primary()
        assert ours.md5 == server["md5"]
        if ours.pdq_quality >= 50:
            assert distance(ours.pdq, server["pdq"]) <= 24, path.name
            checked += 1
    assert checked >= 8


def test_only_surfaces_the_platform_may_see_and_only_images() -> None:
    assert {s.value for s in Surface} == {"profile_photo", "public_post"}
    with pytest.raises(ValueError, match="not a valid Surface"):
        Surface("message")
    with pytest.raises(UnsupportedMediaError):
        hash_image(b"not an image at all")
