"""Every API route declares what it answers, so /openapi.json describes every response."""

from __future__ import annotations

from typing import Any

from safeguarding.engine import Engine
from safeguarding.server import create_app

# a file download: the bank in its own format (HMA text, CSV or JSON Lines)
DOWNLOADS = {("get", "/v1/banks/{name}/export")}


def _named(schema: dict[str, Any]) -> bool:
    """A model's reference (or a list of them), not a bare object or an empty schema."""
    return "$ref" in schema or "$ref" in schema.get("items", {})


def test_every_api_route_has_a_response_model(engine: Engine) -> None:
    spec = create_app(engine=engine).openapi()
    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                if not code.startswith("2") or code == "204" or (method, path) in DOWNLOADS:
                    continue
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if not schema or not _named(schema):
                    missing.append(f"{method.upper()} {path} {code}")
    assert missing == []
    assert sum(len(ops) for ops in spec["paths"].values()) > 20
