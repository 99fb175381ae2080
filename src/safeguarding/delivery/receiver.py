"""The receiver helper we ship for platforms: check a webhook's signature and freshness,
and drop redeliveries by idempotency key. Standard library only, so it can be vendored.

    receiver = WebhookReceiver(secret)
    event = receiver.receive(request.headers, request.body)   # SignatureError -> answer 401
    if event is not None:                                     # None: already handled
        act_on(event)

The signature header is `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`; several
v1 values may appear while a secret is being rotated.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

SIGNATURE_HEADER = "Safeguarding-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
EVENT_HEADER = "Safeguarding-Event"
TOLERANCE_SECONDS = 300


class SignatureError(Exception):
    """The webhook is not from us, was altered, or is too old to trust."""


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance: int = TOLERANCE_SECONDS,
    now: float | None = None,
) -> None:
    header = _header(headers, SIGNATURE_HEADER)
    if not header:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        raise SignatureError("signature header has no valid timestamp") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureError(
            "signature timestamp is outside the tolerance (replayed or clock skew)"
        )
    expected = sign(secret, body, timestamp).split("v1=", 1)[1].encode()
    # compared as bytes: compare_digest refuses str with non-ASCII characters (TypeError),
    # and a header can carry anything
    given = [v.encode("utf-8", "surrogateescape") for v in parts.get("v1", [])]
    if not any(hmac.compare_digest(expected, value) for value in given):
        raise SignatureError("signature does not match")


class WebhookReceiver:
    """Verifies, then remembers the last `remember` idempotency keys so a redelivery after a
    lost acknowledgement is recognised. Keep keys in your database for stronger guarantees."""

    def __init__(
        self, secret: str, *, tolerance: int = TOLERANCE_SECONDS, remember: int = 100_000
    ) -> None:
        self.secret = secret
        self.tolerance = tolerance
        self.remember = remember
        self._seen: OrderedDict[str, None] = OrderedDict()

    def receive(
        self, headers: Mapping[str, str], body: bytes, *, now: float | None = None
    ) -> dict[str, Any] | None:
        verify(self.secret, headers, body, tolerance=self.tolerance, now=now)
        key = _header(headers, IDEMPOTENCY_HEADER)
        if not key:
            raise SignatureError(f"missing {IDEMPOTENCY_HEADER} header")
        if key in self._seen:
            return None
        event: dict[str, Any] = json.loads(body)
        self._seen[key] = None
        while len(self._seen) > self.remember:
            self._seen.popitem(last=False)
        return event
