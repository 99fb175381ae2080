"""Signed webhook delivery to the platform's endpoint."""

from __future__ import annotations

import json
from typing import Any

import httpx

from safeguarding.delivery.receiver import (
    EVENT_HEADER,
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    sign,
)
from safeguarding.errors import DeliveryError


class WebhookSender:
    def __init__(
        self,
        url: str,
        secret: str,
        *,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url
        self.secret = secret
        self._client = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)

    def send(self, event: str, payload: dict[str, Any], idempotency_key: str) -> None:
        body = json.dumps({"event": event, **payload}, sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            EVENT_HEADER: event,
            IDEMPOTENCY_HEADER: idempotency_key,
            SIGNATURE_HEADER: sign(self.secret, body),
        }
        try:
            response = self._client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"receiver answered {response.status_code}")

    def close(self) -> None:
        self._client.close()
