"""A fake of Meta's ThreatExchange (Graph API) written from its documentation and
python-threatexchange's client, served on 127.0.0.1 (tests/fakes/loopback.py):
`GET /{privacy_group}/threat_updates` with `access_token`, `start_time`, `limit`, `after`
(records oldest change first, `paging.cursors.after` and a `next` URL that carries the
token, as the Graph API's), deletions as `should_delete`, Graph errors in the body
(`{"error": {"code": 190, "type": "OAuthException"}}` for a bad token, code 4 for the
application's rate limit); `POST /{descriptor_id}` with `reactions=` records a reaction."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

REACTIONS = {"HELPFUL", "NOT_HELPFUL", "OUTDATED", "SAW_THIS_TOO", "DISAGREE_WITH_TAGS"}


def _error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": "OAuthException", "code": code}}, status
    )


@dataclass
class FakeThreatExchange:
    token: str = "1234567890|app-secret-0123456789abcdef"
    privacy_group: str = "303636684709969"
    records: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    now: int = field(default_factory=lambda: int(time.time()))
    throttle: int = 0
    fail_request: int | None = None
    broken: bytes | None = None
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    #: (descriptor id, reaction)
    reactions: list[tuple[str, str]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    def put(self, kind: str, indicator: str, tags: list[str], *, owners: int = 1) -> None:
        """A member shares an indicator (or changes its tags): one descriptor per owner."""
        self.now += 1
        known = self.records.get((kind, indicator))
        descriptors = (
            known["descriptors"]["data"]
            if known and known["descriptors"]["data"]
            else [{"id": str(next(self._ids)), "owner": {"id": str(9 + i)}} for i in range(owners)]
        )
        for descriptor in descriptors:
            descriptor["tags"] = tags
        self.records[(kind, indicator)] = {
            "id": known["id"] if known else str(next(self._ids)),
            "indicator": indicator,
            "type": kind,
            "last_updated": self.now,
            "should_delete": False,
            "descriptors": {"data": descriptors},
        }

    def delete(self, kind: str, indicator: str) -> None:
        self.now += 1
        self.records[(kind, indicator)].update(
            should_delete=True, last_updated=self.now, descriptors={"data": []}
        )

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v21.0/{group}/threat_updates", self._updates),
                Route("/v21.0/{group}/threat_updates/", self._updates),
                Route("/v21.0/{descriptor}", self._react, methods=["POST"]),
            ]
        )

    async def _updates(self, request: Request) -> Response:
        query = dict(request.query_params)
        self.requests.append((request.method, request.url.path, query))
        if query.get("access_token") != self.token:
            return _error(400, 190, "Invalid OAuth access token.")
        if request.path_params["group"] != self.privacy_group:
            return _error(400, 100, "Unsupported get request.")
        if self.throttle:
            self.throttle -= 1
            return _error(400, 4, "Application request limit reached")
        if self.fail_request == len(self.requests):
            return _error(500, 2, "An unexpected error has occurred.")
        if self.broken is not None:
            body, self.broken = self.broken, None
            return Response(body, 200, media_type="application/json")
        start, limit = int(query.get("start_time", "0")), int(query.get("limit", "500"))
        offset = int(query["after"][1:]) if query.get("after", "").startswith("c") else 0
        changed = sorted(
            (r for r in self.records.values() if r["last_updated"] >= start),
            key=lambda r: (r["last_updated"], r["id"]),
        )
        chunk = changed[offset : offset + limit]
        page: dict[str, Any] = {"data": chunk}
        if chunk:
            page["paging"] = {"cursors": {"before": f"c{offset}", "after": f"c{offset + limit}"}}
            if offset + limit < len(changed):
                following = {**query, "after": f"c{offset + limit}"}
                page["paging"]["next"] = f"{request.url.replace(query='')}?{urlencode(following)}"
        return JSONResponse(page)

    async def _react(self, request: Request) -> Response:
        form = await request.form()
        self.requests.append((request.method, request.url.path, dict(request.query_params)))
        if form.get("access_token") != self.token:
            return _error(400, 190, "Invalid OAuth access token.")
        descriptor = request.path_params["descriptor"]
        known = {d["id"] for r in self.records.values() for d in r["descriptors"]["data"]}
        reaction = str(form.get("reactions", ""))
        if descriptor not in known or reaction not in REACTIONS:
            return _error(400, 100, "Invalid parameter")
        self.reactions.append((descriptor, reaction))
        return JSONResponse({"success": True})
