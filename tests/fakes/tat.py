"""A fake of Tech Against Terrorism's hash list API (TCAP) written from its documentation
(terrorismanalytics.org/docs/hash-list-v1) and python-threatexchange's client, served on
127.0.0.1 (tests/fakes/loopback.py): `POST /token-auth/tcap/` (form username, password)
answering a token, 400 for a wrong user or password; `GET /api/hash-list/v2/all?order=asc
&after=&limit=` under `Authorization: Bearer`, records ordered by (updated_on, id) after
the checkpoint "updated_on,id", `next` a full URL while more follow, `deleted` tombstones,
401 for an unknown or expired token, 429 with Retry-After when told to throttle."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass
class FakeTat:
    username: str = "tcap-user"
    password: str = "tcap-pass"
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    throttle: int = 0
    fail_request: int | None = None
    broken: bytes | None = None
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(2800))
    _clock: float = field(default_factory=time.time)

    def put(self, algorithm: str, digest: str, *, ideology: str = "islamist") -> None:
        self._clock += 0.5
        known = self.records.get(digest)
        self.records[digest] = {
            "id": known["id"] if known else next(self._ids),
            "hash_digest": digest,
            "algorithm": algorithm,
            "ideology": ideology,
            "file_type": "mp4" if algorithm == "MD5" else "jpg",
            "deleted": False,
            "updated_on": self._clock,
            "created_on": "2025-03-03T23:05:22.587000",
        }

    def delete(self, digest: str) -> None:
        self._clock += 0.5
        self.records[digest].update(deleted=True, updated_on=self._clock)

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/token-auth/tcap/", self._login, methods=["POST"]),
                Route("/api/hash-list/v2/all", self._list),
            ]
        )

    async def _login(self, request: Request) -> Response:
        form = await request.form()
        self.requests.append((request.method, request.url.path, {}))
        if form.get("username") != self.username or form.get("password") != self.password:
            return JSONResponse(
                {"non_field_errors": ["Unable to log in with provided credentials."]}, 400
            )
        token = f"jwt-{len(self.requests)}"
        self.tokens.add(token)
        return JSONResponse({"token": token, "user": {"username": self.username}})

    async def _list(self, request: Request) -> Response:
        query = dict(request.query_params)
        self.requests.append((request.method, request.url.path, query))
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            return JSONResponse({"detail": "Given token not valid for any token type"}, 401)
        if self.throttle:
            self.throttle -= 1
            return JSONResponse(
                {"detail": "Request was throttled."}, 429, headers={"Retry-After": "60"}
            )
        if self.fail_request == len(self.requests):
            return JSONResponse({"detail": "server error"}, 500)
        if self.broken is not None:
            body, self.broken = self.broken, None
            return Response(body, 200, media_type="application/json")
        after: tuple[float, int] = (0.0, 0)
        if query.get("after"):
            stamp, _, last = query["after"].partition(",")
            after = (float(stamp), int(last))
        limit = int(query.get("limit", "1000"))
        ordered = sorted(
            (r for r in self.records.values() if (r["updated_on"], r["id"]) > after),
            key=lambda r: (r["updated_on"], r["id"]),
        )
        chunk = ordered[:limit]
        more = len(ordered) > limit
        return JSONResponse(
            {
                "count": len(ordered),
                "next": f"{request.url.replace(query='')}?limit={limit}&offset={limit}"
                if more
                else None,
                "previous": None,
                "checkpoint": f"{chunk[-1]['updated_on']},{chunk[-1]['id']}" if chunk else "",
                "results": chunk,
            }
        )
