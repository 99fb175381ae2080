"""An in-process fake of the NCA's reporting endpoint: bearer token, JSON with the fields
the reporting regulations ask for, a reference back."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

REQUIRED = ("provider", "category", "detected_at", "provider_reference", "immediate_risk_to_child")


@dataclass
class FakeNca:
    token: str = "nca-token"
    received: list[dict[str, Any]] = field(default_factory=list)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return httpx.Response(401)
        try:
            document = json.loads(request.content)
        except ValueError:
            return httpx.Response(400, json={"error": "not JSON"})
        missing = [k for k in REQUIRED if k not in document]
        if missing:
            return httpx.Response(422, json={"error": f"missing {missing}"})
        self.received.append(document)
        return httpx.Response(201, json={"reference": f"NCA-{len(self.received):06d}"})


class Router(httpx.BaseTransport):
    """One transport for both fakes, by host."""

    def __init__(self, routes: dict[str, httpx.BaseTransport]) -> None:
        self.routes = routes

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.routes[request.url.host].handle_request(request)
