"""Upload metadata: what the platform may tell us about one upload (who sent it from where,
under what name, when, on which surface). It is what a CyberTipline report asks for in
`internetDetails`, `screenName`, `ipCaptureEvent` and `uploadedToEspTimestamp`.

Personal data, so: optional, validated here before anything is stored, kept only with the
sampled uploads of a case's evidence (cases/evidence.py), and purged with the previews once
the evidence retention period ends (`safeguarding cases purge`). The field names are part
of the API and of stored evidence: never rename them."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from safeguarding.errors import InvalidInputError
from safeguarding.inputs import short_text

FIELDS = ("uploader_ip", "uploader_port", "screen_name", "uploaded_at", "surface")
MAX_SCREEN_NAME_CHARS = 200
MAX_SURFACE_CHARS = 64
#: longer than any ISO 8601 timestamp with microseconds and an offset
_MAX_TIMESTAMP_CHARS = 40
#: an IPv6 address with an interface scope stays well under this
_MAX_IP_CHARS = 64


@dataclass(frozen=True)
class UploadInfo:
    uploader_ip: str | None = None  # as the platform's server saw it, normalised
    uploader_port: int | None = None  # source port: needed to trace an address behind NAT
    screen_name: str | None = None  # the uploader's display name at the time
    uploaded_at: datetime | None = None  # when the platform received it (UTC)
    surface: str | None = None  # where it was posted: profile_photo, message ...

    @classmethod
    def parse(
        cls,
        uploader_ip: object = None,
        uploader_port: object = None,
        screen_name: object = None,
        uploaded_at: object = None,
        surface: object = None,
    ) -> UploadInfo:
        """Validated metadata from what a caller sent; InvalidInputError names the field."""
        return cls(
            _ip(uploader_ip) if uploader_ip is not None else None,
            _port(uploader_port) if uploader_port is not None else None,
            short_text("screen_name", screen_name, MAX_SCREEN_NAME_CHARS)
            if screen_name is not None
            else None,
            _timestamp(uploaded_at) if uploaded_at is not None else None,
            short_text("surface", surface, MAX_SURFACE_CHARS) if surface is not None else None,
        )

    @property
    def empty(self) -> bool:
        return all(getattr(self, name) is None for name in FIELDS)

    def as_dict(self) -> dict[str, Any]:
        """The fields that were given, JSON-ready (`uploaded_at` as ISO 8601)."""
        out: dict[str, Any] = {}
        for name in FIELDS:
            value = getattr(self, name)
            if value is not None:
                out[name] = value.isoformat() if isinstance(value, datetime) else value
        return out


def _ip(value: object) -> str:
    text = short_text("uploader_ip", value, _MAX_IP_CHARS)
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise InvalidInputError("uploader_ip", "must be an IPv4 or IPv6 address") from None


def _port(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInputError("uploader_port", "must be a whole number 1-65535")
    try:
        port = int(value)
    except ValueError:
        raise InvalidInputError("uploader_port", "must be a whole number 1-65535") from None
    if not 1 <= port <= 65535:
        raise InvalidInputError("uploader_port", "must be a whole number 1-65535")
    return port


def _timestamp(value: object) -> datetime:
    text = short_text("uploaded_at", value, _MAX_TIMESTAMP_CHARS)
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(
            "uploaded_at", "must be an ISO 8601 date and time, e.g. 2025-01-31T12:00:00Z"
        ) from None
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInputError(
            "uploaded_at",
            "needs a UTC offset, e.g. 2025-01-31T12:00:00Z or 2025-01-31T13:00:00+01:00",
        )
    return at.astimezone(UTC)
