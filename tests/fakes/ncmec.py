"""A fake of NCMEC's hash-sharing API (v2) written from NCMEC's documentation and
python-threatexchange's client, served on 127.0.0.1 (tests/fakes/loopback.py): HTTP basic
authentication, `GET /v2/entries?from&to` answered as XML in the API's namespace, entries in
no time order, `deletedImage`/`deletedVideo` for deleted entries, pages of `page_size` with
`paging/next` as `/v2/entries?from&to&start&size&max` (the `&` escaped in XML, as NCMEC
does), 429 with Retry-After when told to throttle; `PUT
/v2/entries/{member}/{id}/{TYPE}/feedback` (`feedbackSubmission`: `affirmative`, or
`negative` with a reason guid) and `GET /v2/feedback/{TYPE}/reasons`."""

from __future__ import annotations

import asyncio
import base64
import time
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

NS = "https://hashsharing.ncmec.org/hashsharing/v2"
STAMP = "%Y-%m-%dT%H:%M:%SZ"
FINGERPRINT_TYPES = {"MD5", "SHA1", "PDNA", "PDQ", "NETCLEAN", "VIDENTIFIER", "TMK_PDQF"}


def _xml(body: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    text = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{body}'
    return Response(text, status, headers=headers, media_type="application/xml")


@dataclass
class FakeNcmec:
    username: str = "esp-user"
    password: str = "esp-pass"
    page_size: int = 1000
    #: id -> entry (member, kind, timestamp, classification, fingerprints, deleted)
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    reasons: list[tuple[str, str]] = field(
        default_factory=lambda: [("01234567-abcd-0123-4567-012345678900", "Not CSAM")]
    )
    throttle: int = 0
    #: answer 500 to the request with this number (1-based), once
    fail_request: int | None = None
    #: the next entries page answered is this body instead (with this Content-Encoding)
    broken: bytes | None = None
    broken_encoding: str | None = None
    #: answer the next entries page a byte at a time, forever (a slow upstream)
    drip: bool = False
    #: (method, path, query) of each request
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    #: (member, id, type, vote, reason guid)
    votes: list[tuple[str, str, str, str, str | None]] = field(default_factory=list)

    def put(
        self,
        entry: str,
        fingerprints: dict[str, str],
        *,
        member: int = 42,
        kind: str = "image",
        classification: str | None = "A1",
    ) -> None:
        self.entries[entry] = {
            "member": member,
            "kind": kind,
            "timestamp": int(time.time()),
            "classification": classification,
            "fingerprints": fingerprints,
            "deleted": False,
        }

    def delete(self, entry: str) -> None:
        self.entries[entry].update(deleted=True, timestamp=int(time.time()))

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v2/entries", self._entries),
                Route("/v2/entries/{member}/{entry}/{kind}/feedback", self._vote, methods=["PUT"]),
                Route("/v2/feedback/{kind}/reasons", self._reasons),
            ]
        )

    def _authorised(self, request: Request) -> bool:
        expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"

    def _refusal(self, request: Request) -> Response | None:
        self.requests.append((request.method, request.url.path, dict(request.query_params)))
        if not self._authorised(request):
            return Response("Unauthorized", 401, headers={"WWW-Authenticate": "Basic"})
        if self.throttle:
            self.throttle -= 1
            return Response("Too Many Requests", 429, headers={"Retry-After": "45"})
        if self.fail_request == len(self.requests):
            return Response("Internal Server Error", 500)
        return None

    async def _entries(self, request: Request) -> Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        if self.broken is not None:
            body, self.broken = self.broken, None
            encoding = {"Content-Encoding": self.broken_encoding} if self.broken_encoding else {}
            return Response(body, 200, headers=encoding, media_type="application/xml")
        if self.drip:
            self.drip = False
            return StreamingResponse(_drip(), media_type="application/xml")
        query = request.query_params
        try:
            low, high = (
                datetime.strptime(query[k], STAMP).replace(tzinfo=UTC).timestamp()
                for k in ("from", "to")
            )
        except (KeyError, ValueError):
            return _xml("<error>from and to are required</error>", 400)
        start, size = int(query.get("start", "1")), int(query.get("size", str(self.page_size)))
        # not in time order: NCMEC returns a range by its own ids
        found = [(k, e) for k, e in self.entries.items() if low <= e["timestamp"] <= high]
        chunk = found[start - 1 : start - 1 + size]
        sections = []
        for kind in ("image", "video"):
            items = [_item(k, e) for k, e in chunk if e["kind"] == kind]
            if items:
                stamp = max(e["timestamp"] for _, e in chunk if e["kind"] == kind)
                sections.append(
                    f'<{kind}s count="{len(items)}" maxTimestamp="{_stamp(stamp)}">'
                    + "".join(items)
                    + f"</{kind}s>"
                )
        paging = ""
        if start - 1 + size < len(found):
            following = (
                f"/v2/entries?from={query['from']}&to={query['to']}"
                f"&start={start + size}&size={size}&max={len(found)}"
            )
            paging = f"<paging><next>{escape(following)}</next></paging>"
        return _xml(f'<queryResult xmlns="{NS}">{"".join(sections)}{paging}</queryResult>')

    async def _reasons(self, request: Request) -> Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        items = "".join(
            f"<reason guid={quoteattr(g)} name={quoteattr(n)} "
            f'type="{request.path_params["kind"]}"/>'
            for g, n in self.reasons
        )
        return _xml(f'<availableFeedbackReasons xmlns="{NS}">{items}</availableFeedbackReasons>')

    async def _vote(self, request: Request) -> Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        member, entry, kind = (request.path_params[k] for k in ("member", "entry", "kind"))
        known = self.entries.get(entry)
        if known is None or str(known["member"]) != member:
            return _xml("<error>no such entry</error>", 404)
        if kind not in FINGERPRINT_TYPES:
            return _xml("<error>unknown fingerprint type</error>", 400)
        root = ET.fromstring(await request.body())
        vote = root.find(f"{{{NS}}}affirmative")
        if vote is not None:
            self.votes.append((member, entry, kind, "affirmative", None))
            return _xml(f'<submissionResult xmlns="{NS}"/>')
        guid = root.findtext(f"{{{NS}}}negative/{{{NS}}}reasonIds/{{{NS}}}guid")
        if guid not in {g for g, _ in self.reasons}:
            return _xml("<error>a negative vote needs a known reason</error>", 400)
        self.votes.append((member, entry, kind, "negative", guid))
        return _xml(f'<submissionResult xmlns="{NS}"/>')


async def _drip() -> AsyncIterator[bytes]:
    yield b"<queryResult>"
    while True:
        await asyncio.sleep(0.1)
        yield b" "


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime(STAMP)


def _item(entry: str, e: dict[str, Any]) -> str:
    member = f'<member id="{e["member"]}">Member {e["member"]}</member>'
    head = f"{member}<timestamp>{_stamp(e['timestamp'])}</timestamp><id>{escape(entry)}</id>"
    if e["deleted"]:
        tag = "deletedImage" if e["kind"] == "image" else "deletedVideo"
        return f"<{tag}>{head}</{tag}>"
    classification = (
        f"<classification>{escape(e['classification'])}</classification>"
        if e["classification"]
        else ""
    )
    prints = "".join(
        f"<{name}>{escape(value)}</{name}>" if value else f'<{name} rel="self" href="/x"/>'
        for name, value in e["fingerprints"].items()
    )
    return f"<{e['kind']}>{head}{classification}<fingerprints>{prints}</fingerprints></{e['kind']}>"
