"""Upload metadata is validated before anything is stored: each bad field is named."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from safeguarding.cases.uploads import UploadInfo
from safeguarding.errors import InvalidInputError


def test_valid_metadata_is_normalised() -> None:
    info = UploadInfo.parse(
        uploader_ip=" 2001:DB8:0:0::1 ",
        uploader_port="443",
        screen_name="  Sam  ",
        uploaded_at="2025-01-31T13:00:00+01:00",
        surface="profile_photo",
    )
    assert info == UploadInfo(
        "2001:db8::1", 443, "Sam", datetime(2025, 1, 31, 12, tzinfo=UTC), "profile_photo"
    )
    assert info.as_dict()["uploaded_at"] == "2025-01-31T12:00:00+00:00"
    assert UploadInfo.parse(
        uploader_ip="203.0.113.9", uploaded_at="2025-01-31T12:00:00Z"
    ).as_dict() == {"uploader_ip": "203.0.113.9", "uploaded_at": "2025-01-31T12:00:00+00:00"}
    assert UploadInfo.parse().empty and UploadInfo.parse().as_dict() == {}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("uploader_ip", "203.0.113.256", "IPv4 or IPv6"),
        ("uploader_ip", "example.org", "IPv4 or IPv6"),
        ("uploader_ip", "", "1 to 64"),
        ("uploader_ip", "1" * 65, "1 to 64"),
        ("uploader_ip", "203.0.113.9\x00", "control"),
        ("uploader_port", 0, "1-65535"),
        ("uploader_port", 65536, "1-65535"),
        ("uploader_port", "http", "1-65535"),
        ("uploader_port", True, "1-65535"),
        ("uploader_port", 4.5, "1-65535"),
        ("screen_name", "a\x00b", "control"),
        ("screen_name", "line\nbreak", "control"),
        ("screen_name", "x" * 201, "1 to 200"),
        ("screen_name", "   ", "1 to 200"),
        ("screen_name", 12, "string"),
        ("uploaded_at", "2025-01-31T12:00:00", "UTC offset"),
        ("uploaded_at", "2025-01-31", "UTC offset"),
        ("uploaded_at", "yesterday", "ISO 8601"),
        ("uploaded_at", "2025-01-31T12:00:00Z" + " " * 20 + "x" * 20, "1 to 40"),
        ("surface", "mess\rage", "control"),
        ("surface", "s" * 65, "1 to 64"),
    ],
)
def test_bad_metadata_is_refused_naming_the_field(field: str, value: object, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message) as raised:
        UploadInfo.parse(**{field: value})
    assert raised.value.field == field
