"""A fake of StopNCII.org's FetchHashes, written from python-threatexchange's client and
StopNCII's API documentation, as an httpx handler served on 127.0.0.1 (`app()`,
tests/fakes/loopback.py): the two keys, pages by `pageSize` and `nextPageToken`, records
changed since `startTimestamp`, `nextSetTimestamp` for the next pass, and 429 with
Retry-After when told to throttle. SubmitFeedback (its own function key) records CSP
feedback (`{"count", "hashFeedbacks": [{"hashValue", "feedbackValue", "tags"}]}`) on the
records, as FetchHashes then shows it in `CSPFeedbacks`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.types import ASGIApp

from tests.fakes.loopback import handler_app


@dataclass
class FakeStopNcii:
    subscription_key: str = "sub-key"
    fetch_key: str = "fetch-key"
    feedback_key: str = "feedback-key"
    now: int = 1_700_000_000
    records: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    #: answer 429 this many times before serving again
    throttle: int = 0
    #: answer 500 to the request with this number (1-based), once
    fail_request: int | None = None
    #: the next page answered is this body instead (a malformed page)
    broken: bytes | None = None
    requests: list[httpx.Request] = field(default_factory=list)
    #: the feedback received, as (hashValue, feedbackValue)
    feedback: list[tuple[str, str]] = field(default_factory=list)
    #: answer SubmitFeedback 503 this many times before taking it
    refuse_feedback: int = 0
    _tokens: dict[str, tuple[int, int]] = field(default_factory=dict)

    def app(self) -> ASGIApp:
        """Served on 127.0.0.1 by tests/fakes/loopback.py."""
        return handler_app(self.handle)

    def put(self, signal_type: str, value: str, cases: list[str], status: str = "Active") -> None:
        """A person submits a hash, or its status changes (Withdrawn, Deleted)."""
        self.now += 1
        self.records[(signal_type, value)] = {
            "lastModtimestamp": self.now,
            "signalType": signal_type,
            "hashValue": value,
            "hashStatus": status,
            "caseNumbers": dict.fromkeys(cases, status),
            "CSPFeedbacks": [],
        }

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/v1/SubmitFeedback" and request.method == "POST":
            return self._feedback(request)
        if request.url.path != "/v1/FetchHashes":
            return _answer(404)
        if (
            request.headers.get("Ocp-Apim-Subscription-Key") != self.subscription_key
            or request.headers.get("x-functions-key") != self.fetch_key
        ):
            return _answer(401, {"statusCode": 401, "message": "Access denied"})
        if self.throttle:
            self.throttle -= 1
            return _answer(429, headers={"Retry-After": "30"})
        if self.fail_request == len(self.requests):
            return _answer(500)
        if self.broken is not None:
            body, self.broken = self.broken, None
            return httpx.Response(200, stream=httpx.ByteStream(body))  # as it came
        params = request.url.params
        size = int(params.get("pageSize", "800"))
        token = params.get("nextPageToken", "")
        if token and token not in self._tokens:
            return _answer(400, {"message": "invalid nextPageToken"})
        start, offset = (
            self._tokens[token] if token else (int(params.get("startTimestamp", "10")), 0)
        )
        changed = sorted(
            (r for r in self.records.values() if r["lastModtimestamp"] >= start),
            key=lambda r: r["lastModtimestamp"],
        )
        chunk = changed[offset : offset + size]
        more = offset + size < len(changed)
        following = ""
        if more:
            following = f"t{len(self._tokens) + 1}"
            self._tokens[following] = (start, offset + size)
        page = {
            "count": len(chunk),
            "nextPageToken": following,
            "nextSetTimestamp": self.now + 1,
            "hasMoreRecords": more,
            "hashRecords": chunk,
        }
        return _answer(200, page)

    def _feedback(self, request: httpx.Request) -> httpx.Response:
        if (
            request.headers.get("Ocp-Apim-Subscription-Key") != self.subscription_key
            or request.headers.get("x-functions-key") != self.feedback_key
        ):
            return _answer(401, {"statusCode": 401, "message": "Access denied"})
        if self.refuse_feedback:
            self.refuse_feedback -= 1
            return _answer(503, {"message": "busy"})
        body = json.loads(request.read())
        items = body.get("hashFeedbacks")
        if not isinstance(items, list) or body.get("count") != len(items):
            return _answer(400, {"message": "count and hashFeedbacks disagree"})
        for item in items:
            if item.get("feedbackValue") not in ("Blocked", "NotBlocked", "PendingReview"):
                return _answer(400, {"message": "unknown feedbackValue"})
            self.feedback.append((item["hashValue"], item["feedbackValue"]))
            for record in self.records.values():
                if record["hashValue"] == item["hashValue"]:
                    record["CSPFeedbacks"].append(
                        {"feedbackValue": item["feedbackValue"], "tags": item.get("tags", [])}
                    )
        return _answer(200, {"count": len(items)})


def _answer(
    status: int, body: object = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    """An answer as it comes off the network (a stream, not content already read)."""
    data = json.dumps(body).encode() if body is not None else b""
    return httpx.Response(status, stream=httpx.ByteStream(data), headers=headers)
