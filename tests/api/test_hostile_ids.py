"""Every API route and every page, swept with the ids and names that used to end in a 500:
row ids of 2^63 and more, NUL characters in ids, names and text, file names longer than the
database keeps. Each must be refused with a 4xx and a message (or be harmless), on SQLite and
on PostgreSQL; the sweep fails when a route is added without probes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from safeguarding.cases import intake
from safeguarding.cases.model import Subject
from safeguarding.demo import generated_image
from safeguarding.engine import Engine
from safeguarding.server import create_app
from tests.fakes.setup import Fakes, response_engine, users
from tests.web.conftest import sign_in

BIG = 2**63  # one past the largest 64-bit row id
HUGE = 2**64 + 7
NUL = "a\x00b"
NUL_PATH = "a%00b"  # the same, as it travels in a URL
LONG_NAME = "n" * 201 + ".jpg"
IMAGE = generated_image(2)
PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
COMMITMENT = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="  # 32 bytes, base64


@dataclass(frozen=True)
class Probe:
    route: str  # "METHOD /template", for the coverage check
    url: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    #: False: harmless input that may be accepted, but never a 500 (a NUL in a multipart
    #: file name arrives percent-encoded, for one)
    refused: bool = True

    @property
    def method(self) -> str:
        return self.route.split(" ")[0]


def _routes(app: FastAPI) -> set[str]:
    """Every "METHOD /path" the app serves, through included routers."""
    found: set[str] = set()

    def walk(routes: list[Any], prefix: str) -> None:
        for route in routes:
            original = getattr(route, "original_router", None)
            if original is not None:
                walk(original.routes, prefix + route.include_context.prefix)
            elif isinstance(route, APIRoute):
                found.update(f"{m} {prefix}{route.path}" for m in route.methods or ())

    walk(app.routes, "")
    return found


#: routes that take no id, name or text worth probing
NO_INPUT = {
    "GET /v1/health",
    "GET /v1/ready",
    "GET /v1/banks",
    "GET /v1/do-not-match",
    "GET /v1/exchanges",
    "GET /",
    "POST /logout",
    "GET /reports",
    "GET /admin",
    "GET /report-remove",
    "GET /report-remove/adult",
    "GET /report-remove/someone-else",
    "GET /report-remove/report",
    "GET /report-remove/status",
    "GET /docs",
    "GET /redoc",
    "GET /settings",
    "GET /hma/c/banks",
}


def _probes(case_id: int, preview_id: int, csrf: str) -> list[Probe]:
    form = {"csrf_token": csrf}
    upload = {"files": {"file": ("up.jpg", IMAGE)}}
    probes = [
        Probe("POST /v1/hash", "/v1/hash", {"files": {"file": (LONG_NAME, IMAGE)}}, False),
        Probe("POST /v1/match", "/v1/match", {**upload, "data": {"content_id": NUL}}),
        Probe("POST /v1/match", "/v1/match", {**upload, "data": {"account_id": NUL}}),
        Probe("POST /v1/match", "/v1/match", {**upload, "data": {"screen_name": NUL}}),
        Probe("POST /v1/match", "/v1/match", {**upload, "data": {"content_id": "c" * 257}}),
        Probe(
            "POST /v1/match/signals",
            "/v1/match/signals",
            {"json": {"items": [{"id": NUL, "signals": [{"type": "pdq", "value": PDQ}]}]}},
        ),
        Probe(
            "POST /v1/match/signals",
            "/v1/match/signals",
            {
                "json": {
                    "items": [{"account_id": NUL, "signals": [{"type": "md5", "value": "0" * 32}]}]
                }
            },
        ),
        Probe("POST /v1/banks", "/v1/banks", {"json": {"name": NUL}}),
        Probe("POST /v1/banks", "/v1/banks", {"json": {"name": "n1", "description": NUL}}),
        Probe("POST /v1/banks", "/v1/banks", {"json": {"name": "n2", "labels": [NUL]}}),
        Probe("GET /v1/banks/{name}", f"/v1/banks/{NUL_PATH}"),
        Probe("PATCH /v1/banks/{name}", f"/v1/banks/{NUL_PATH}", {"json": {"enabled": False}}),
        Probe("PATCH /v1/banks/{name}", "/v1/banks/b", {"json": {"description": NUL}}),
        Probe("DELETE /v1/banks/{name}", f"/v1/banks/{NUL_PATH}"),
        Probe("GET /v1/banks/{name}/entries", "/v1/banks/b/entries", {"params": {"after": BIG}}),
        Probe(
            "GET /v1/banks/{name}/entries", "/v1/banks/b/entries", {"params": {"signal_type": NUL}}
        ),
        Probe("GET /v1/banks/{name}/entries", f"/v1/banks/{NUL_PATH}/entries"),
        Probe(
            "POST /v1/banks/{name}/entries",
            "/v1/banks/b/entries",
            {"json": {"signals": [{"type": "pdq", "value": PDQ}], "source_ref": NUL}},
        ),
        Probe(
            "POST /v1/banks/{name}/entries",
            "/v1/banks/b/entries",
            {"json": {"signals": [{"type": "pdq", "value": PDQ}], "labels": [NUL]}},
        ),
        Probe(
            "POST /v1/banks/{name}/content",
            "/v1/banks/b/content",
            {"files": {"file": (LONG_NAME, IMAGE)}},
        ),
        Probe(
            "POST /v1/banks/{name}/content",
            "/v1/banks/b/content",
            {"files": {"file": (NUL + ".jpg", IMAGE)}},
            False,
        ),
        Probe("POST /v1/banks/{name}/content", f"/v1/banks/{NUL_PATH}/content", upload),
        Probe("DELETE /v1/banks/{name}/entries/{entry_id}", f"/v1/banks/b/entries/{BIG}"),
        Probe("DELETE /v1/banks/{name}/entries/{entry_id}", f"/v1/banks/b/entries/{HUGE}"),
        Probe(
            "POST /v1/banks/{name}/import",
            "/v1/banks/b/import?format=jsonl",
            {"content": json.dumps({"signal_type": "pdq", "value": PDQ, "source_ref": NUL})},
        ),
        Probe("POST /v1/banks/{name}/import", f"/v1/banks/{NUL_PATH}/import", {"content": b""}),
        Probe("GET /v1/banks/{name}/export", f"/v1/banks/{NUL_PATH}/export"),
        Probe(
            "POST /v1/do-not-match",
            "/v1/do-not-match",
            {"json": {"type": "pdq", "value": PDQ, "reason": NUL}},
        ),
        Probe(
            "POST /v1/do-not-match",
            "/v1/do-not-match",
            {"json": {"type": NUL, "value": PDQ, "reason": "r"}},
        ),
        Probe("DELETE /v1/do-not-match/{dnm_id}", f"/v1/do-not-match/{BIG}"),
        Probe(
            "POST /v1/exchanges",
            "/v1/exchanges",
            {
                "json": {
                    "name": NUL,
                    "kind": "file",
                    "bank": "b",
                    "options": {"url": "https://a.b/c"},
                }
            },
        ),
        Probe(
            "POST /v1/exchanges",
            "/v1/exchanges",
            {"json": {"name": "x", "kind": NUL, "bank": "b", "options": {"url": "https://a.b/c"}}},
        ),
        Probe(
            "POST /v1/exchanges",
            "/v1/exchanges",
            {
                "json": {
                    "name": "x",
                    "kind": "file",
                    "bank": NUL,
                    "options": {"url": "https://a.b/c"},
                }
            },
        ),
        Probe(
            "POST /v1/exchanges",
            "/v1/exchanges",
            {"json": {"name": "x", "kind": "file", "bank": "b", "options": {"url": NUL}}},
        ),
        Probe(
            "POST /v1/exchanges",
            "/v1/exchanges",
            {"json": {"name": "x", "kind": "file", "bank": "b", "options": {NUL: "v"}}},
        ),
        Probe("GET /v1/exchanges/{name}", f"/v1/exchanges/{NUL_PATH}"),
        Probe(
            "PATCH /v1/exchanges/{name}", f"/v1/exchanges/{NUL_PATH}", {"json": {"enabled": False}}
        ),
        Probe("PATCH /v1/exchanges/{name}", "/v1/exchanges/x", {"json": {"interval_seconds": BIG}}),
        Probe("DELETE /v1/exchanges/{name}", f"/v1/exchanges/{NUL_PATH}"),
        Probe("POST /v1/exchanges/{name}/fetch", f"/v1/exchanges/{NUL_PATH}/fetch"),
        Probe("GET /v1/feeds/{bank}/changes", f"/v1/feeds/{NUL_PATH}/changes"),
        Probe("GET /v1/feeds/{bank}/changes", "/v1/feeds/b/changes", {"params": {"cursor": BIG}}),
        Probe(
            "POST /v1/feeds/{bank}/outcomes",
            f"/v1/feeds/{NUL_PATH}/outcomes",
            {"json": {"period": "p", "outcomes": [{"signal_type": "md5", "value": "0" * 32}]}},
        ),
        Probe(
            "POST /v1/feeds/{bank}/outcomes",
            "/v1/feeds/b/outcomes",
            {"json": {"period": "p\x00", "outcomes": [{"signal_type": "md5", "value": "0" * 32}]}},
        ),
        Probe(
            "POST /v1/conversations/{conversation_id}/messages",
            f"/v1/conversations/{NUL_PATH}/messages",
            {"json": {"messages": [{"sender": "a", "text": "hi"}]}},
        ),
        Probe(
            "POST /v1/conversations/{conversation_id}/messages",
            "/v1/conversations/c/messages",
            {"json": {"messages": [{"sender": NUL, "text": "hi"}]}},
        ),
        Probe(
            "POST /v1/conversations/{conversation_id}/messages",
            "/v1/conversations/c/messages",
            {
                "json": {
                    "messages": [{"sender": "a", "text": "hi"}],
                    "participants": {NUL: {"age": 13}},
                }
            },
        ),
        Probe("GET /v1/conversations/{conversation_id}/risk", f"/v1/conversations/{NUL_PATH}/risk"),
        Probe("POST /v1/reports", "/v1/reports", {"json": {"category": "csam", "content_id": NUL}}),
        Probe(
            "POST /v1/reports",
            "/v1/reports",
            {"json": {"category": "csam", "conversation_id": NUL}},
        ),
        Probe(
            "POST /v1/reports",
            "/v1/reports",
            {"json": {"category": "csam", "content_id": "c9", "reporter_id": NUL}},
        ),
        Probe(
            "POST /v1/reports",
            "/v1/reports",
            {"json": {"category": "csam", "content_id": "c9", "reason": NUL}},
        ),
        Probe(
            "POST /v1/franking/stamp",
            "/v1/franking/stamp",
            {
                "json": {
                    "messages": [
                        {
                            "commitment": COMMITMENT,
                            "sender_id": NUL,
                            "recipient_id": "b",
                            "conversation_id": "c",
                        }
                    ]
                }
            },
        ),
        Probe(
            "POST /v1/franking/stamp",
            "/v1/franking/stamp",
            {
                "json": {
                    "messages": [
                        {
                            "commitment": COMMITMENT,
                            "sender_id": "a",
                            "recipient_id": "b",
                            "conversation_id": "c" * 256,
                        }
                    ]
                }
            },
        ),
        Probe(
            "POST /v1/reports/franked",
            "/v1/reports/franked",
            {
                "files": {"report": ("r", b"SGR\x01", "application/octet-stream")},
                "data": {"reporter_id": NUL, "category": "other"},
            },
        ),
        Probe(
            "POST /v1/reports/franked",
            "/v1/reports/franked",
            {
                "files": {"report": ("r", b"SGR\x01", "application/octet-stream")},
                "data": {"reporter_id": "r" * 257, "category": "other"},
            },
        ),
        Probe("GET /v1/cases/{case_id}", f"/v1/cases/{BIG}"),
        Probe("GET /v1/cases/{case_id}", f"/v1/cases/{HUGE}"),
        Probe("POST /v1/cases/{case_id}/preview", f"/v1/cases/{BIG}/preview", upload),
        Probe(
            "POST /v1/cases/{case_id}/preview",
            f"/v1/cases/{case_id}/preview",
            {"files": {"file": (LONG_NAME, IMAGE)}},
        ),
        Probe(
            "POST /v1/cases/{case_id}/preview",
            f"/v1/cases/{case_id}/preview",
            {"files": {"file": (NUL + ".jpg", IMAGE)}},
            False,
        ),
        # the HMA-compatible API
        Probe("GET /hma/h/hash", "/hma/h/hash", {"params": {"url": NUL}}),
        Probe(
            "POST /hma/h/hash", "/hma/h/hash", {"files": {"photo": (NUL + ".jpg", IMAGE)}}, False
        ),
        Probe("POST /hma/h/hash", "/hma/h/hash", {"files": {NUL: ("a.jpg", IMAGE)}}),
        Probe(
            "GET /hma/m/lookup", "/hma/m/lookup", {"params": {"signal_type": NUL, "signal": PDQ}}
        ),
        Probe(
            "GET /hma/m/lookup", "/hma/m/lookup", {"params": {"signal_type": "pdq", "signal": NUL}}
        ),
        Probe("GET /hma/m/lookup", "/hma/m/lookup", {"params": {"url": NUL}}),
        Probe(
            "GET /hma/m/raw_lookup",
            "/hma/m/raw_lookup",
            {"params": {"signal_type": "md5", "signal": NUL}},
        ),
        Probe(
            "POST /hma/m/lookup", "/hma/m/lookup", {"files": {"photo": (LONG_NAME, IMAGE)}}, False
        ),
        Probe("GET /hma/m/index/status", "/hma/m/index/status", {"params": {"signal_type": NUL}}),
        Probe("POST /hma/m/compare", "/hma/m/compare", {"json": {NUL: [PDQ, PDQ]}}),
        Probe("POST /hma/c/banks", "/hma/c/banks", {"json": {"name": NUL}}),
        Probe("GET /hma/c/bank/{bank_name}", f"/hma/c/bank/{NUL_PATH}"),
        Probe(
            "PUT /hma/c/bank/{bank_name}", f"/hma/c/bank/{NUL_PATH}", {"json": {"enabled": False}}
        ),
        Probe("DELETE /hma/c/bank/{bank_name}", f"/hma/c/bank/{NUL_PATH}"),
        Probe(
            "POST /hma/c/bank/{bank_name}/content",
            f"/hma/c/bank/{NUL_PATH}/content",
            {"files": {"photo": ("a.jpg", IMAGE)}},
        ),
        *(
            Probe(
                "POST /hma/c/bank/{bank_name}/content",
                "/hma/c/bank/b/content",
                {"files": {"photo": ("a.jpg", IMAGE)}, "data": data},
            )
            for data in (
                {"note": NUL},
                {"metadata": json.dumps({"content_id": NUL})},
                {"metadata": json.dumps({"content_uri": NUL})},
                {"metadata": json.dumps({"json": {NUL: 1}})},
                {"metadata": json.dumps({"json": {"k": [NUL]}})},
            )
        ),
        Probe(
            "POST /hma/c/bank/{bank_name}/signal",
            f"/hma/c/bank/{NUL_PATH}/signal",
            {"json": {"pdq": PDQ}},
        ),
        Probe("POST /hma/c/bank/{bank_name}/signal", "/hma/c/bank/b/signal", {"json": {NUL: PDQ}}),
        Probe(
            "POST /hma/c/bank/{bank_name}/signal",
            "/hma/c/bank/b/signal",
            {"json": {"pdq": PDQ, "note": NUL}},
        ),
        Probe(
            "DELETE /hma/c/bank/{bank_name}/content/{content_id}", f"/hma/c/bank/b/content/{BIG}"
        ),
        Probe(
            "DELETE /hma/c/bank/{bank_name}/content/{content_id}",
            f"/hma/c/bank/{NUL_PATH}/content/1",
        ),
        # the pages
        Probe("GET /login", "/login", {"params": {"next": NUL}}, False),
        Probe("POST /login", "/login", {"data": {"username": NUL, "password": "p" * 12}}),
        Probe("GET /queue", "/queue", {"params": {"show": NUL}}, False),
        Probe("GET /cases/{case_id}", f"/cases/{BIG}"),
        Probe("POST /cases/{case_id}/claim", f"/cases/{BIG}/claim", {"data": form}),
        Probe(
            "POST /cases/{case_id}/decision",
            f"/cases/{BIG}/decision",
            {"data": {**form, "decision": "confirm", "reason": "r", "version": 1}},
        ),
        Probe(
            "POST /cases/{case_id}/decision",
            f"/cases/{case_id}/decision",
            {"data": {**form, "decision": "confirm", "reason": NUL, "version": 1}},
        ),
        Probe(
            "POST /cases/{case_id}/decision",
            f"/cases/{case_id}/decision",
            {"data": {**form, "decision": "confirm", "reason": "r", "version": BIG}},
        ),
        Probe("POST /cases/{case_id}/release", f"/cases/{BIG}/release", {"data": form}),
        Probe(
            "POST /cases/{case_id}/release",
            f"/cases/{case_id}/release",
            {"data": {**form, "reason": NUL}},
        ),
        Probe(
            "POST /cases/{case_id}/release",
            f"/cases/{case_id}/release",
            {"data": {**form, "reason": "r", "queue": NUL}},
        ),
        Probe(
            "POST /cases/{case_id}/decision",
            f"/cases/{case_id}/decision",
            {"data": {**form, "decision": "confirm", "reason": "r", "version": BIG, "queue": NUL}},
        ),
        Probe("POST /review/{queue}", f"/review/{NUL_PATH}", {"data": form}),
        Probe("GET /docs/assets/{name}", f"/docs/assets/{NUL_PATH}"),
        Probe("GET /docs/assets/{name}", "/docs/assets/..%2f..%2fconfig.py"),
        Probe("POST /review/{queue}", "/review/" + "q" * 41, {"data": form}),
        Probe(
            "GET /cases/{case_id}/previews/{preview_id}/blurred",
            f"/cases/{case_id}/previews/{BIG}/blurred",
        ),
        Probe(
            "GET /cases/{case_id}/previews/{preview_id}/blurred",
            f"/cases/{BIG}/previews/{preview_id}/blurred",
        ),
        Probe(
            "POST /cases/{case_id}/previews/{preview_id}/reveal",
            f"/cases/{case_id}/previews/{BIG}/reveal",
            {"data": {**form, "confirmed": "yes"}},
        ),
        Probe(
            "POST /cases/{case_id}/previews/{preview_id}/reveal",
            f"/cases/{case_id}/previews/{preview_id}/reveal",
            {"data": {**form, "confirmed": "yes", "region": NUL}},
        ),
        Probe(
            "GET /cases/{case_id}/previews/{preview_id}/reveal",
            f"/cases/{case_id}/previews/{BIG}/reveal",
        ),
        Probe(
            "GET /cases/{case_id}/previews/{preview_id}/reveal",
            f"/cases/{BIG}/previews/{preview_id}/reveal",
        ),
        Probe("POST /settings", "/settings", {"data": {**form, "blur": NUL}}),
        Probe("POST /settings", "/settings", {"data": {**form, "reblur_seconds": "١٢"}}),
        Probe("GET /insights", "/insights?from=a%00b"),
        Probe("GET /insights", "/insights?to=2026-01-01%00&by=a%00b"),
        Probe("GET /insights", f"/insights?from={'9' * 10}"),
        Probe("GET /reports/{report_id}", f"/reports/{BIG}"),
        Probe("POST /reports/{report_id}/approve", f"/reports/{BIG}/approve", {"data": form}),
        Probe(
            "POST /reports/{report_id}/withdraw",
            f"/reports/{BIG}/withdraw",
            {"data": {**form, "reason": "r"}},
        ),
        Probe(
            "POST /admin/users",
            "/admin/users",
            {"data": {**form, "username": NUL, "password": "p" * 14, "role": "reviewer"}},
        ),
        Probe(
            "POST /admin/users/{username}",
            f"/admin/users/{NUL_PATH}",
            {"data": {**form, "active": "no"}},
        ),
        Probe(
            "POST /admin/banks/{name}",
            f"/admin/banks/{NUL_PATH}",
            {"data": {**form, "enabled": "no"}},
        ),
        Probe(
            "POST /admin/keys", "/admin/keys", {"data": {**form, "name": NUL, "scopes": ["match"]}}
        ),
        Probe("POST /admin/keys/{key_id}/revoke", f"/admin/keys/{NUL_PATH}/revoke", {"data": form}),
        Probe("POST /admin/outbox/{item_id}/retry", f"/admin/outbox/{BIG}/retry", {"data": form}),
        # the self-report portal (no account: no form token)
        Probe(
            "POST /report-remove/submissions",
            "/report-remove/submissions",
            {"json": {"submission_id": "0" * 32, "category": NUL, "files": [{"md5": "0" * 32}]}},
        ),
        Probe(
            "POST /report-remove/submissions",
            "/report-remove/submissions",
            {
                "json": {
                    "submission_id": "0" * 32,
                    "category": "nude",
                    "files": [{"md5": NUL * 11, "sha256": "0" * 64}],
                }
            },
        ),
        Probe(
            "POST /report-remove/status",
            "/report-remove/status",
            {"data": {"case_number": NUL * 6, "pin": "12345678"}},
        ),
        Probe(
            "POST /report-remove/status",
            "/report-remove/status",
            {"data": {"case_number": "K7QM-2XJD-9PFA-R3TZ", "pin": NUL}},
        ),
        Probe(
            "POST /report-remove/withdraw",
            "/report-remove/withdraw",
            {"data": {"case_number": NUL, "pin": "12345678", "confirm": "yes"}},
        ),
    ]
    return probes


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    instance = response_engine(db_url, Fakes(), webhook_url="http://127.0.0.1:9/hooks")
    users(instance)
    instance.banks.create_bank("b", "test")
    yield instance
    instance.close()


def test_every_route_refuses_hostile_ids_and_names(engine: Engine) -> None:
    case_id = engine.cases.open(intake.from_user_report("csam", "", Subject("c1")), "key:t").case.id
    preview_id = engine.previews.add(case_id, IMAGE, "a.jpg", "key:t")
    token = engine.keys.create("all", ["admin"], "test").token
    app = create_app(engine=engine)
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        csrf = sign_in(client, "ada")
        probes = _probes(case_id, preview_id, csrf)
        assert _routes(app) - NO_INPUT == {p.route for p in probes}, "a route without probes"
        failures: list[tuple[str, str, int | str, str]] = []
        for probe in probes:
            headers = (
                {"Authorization": f"Bearer {token}"}
                if probe.url.startswith(("/v1", "/hma"))
                else {}
            )
            answer = client.request(probe.method, probe.url, headers=headers, **probe.kwargs)
            if answer.status_code >= 500 or (probe.refused and not 400 <= answer.status_code < 500):
                failures.append(
                    (probe.route, probe.url[:60], answer.status_code, answer.text[:200])
                )
            elif probe.refused and not answer.text.strip():
                failures.append((probe.route, probe.url[:60], "no message", ""))
    assert failures == [], "\n".join(map(str, failures))


def test_a_preview_for_a_confirmed_case(engine: Engine) -> None:
    reviewer = engine.users.list()[0]
    case_id = engine.cases.open(intake.from_user_report("csam", "", Subject("c2")), "key:t").case.id
    engine.cases.decide(case_id, reviewer, "confirm", "seen", version=1)
    preview_id = engine.previews.add(case_id, IMAGE, "late.jpg", "key:t")
    preview = next(p for p in engine.cases.get(case_id).previews if p.id == preview_id)
    preserved = engine.cases.get(case_id).preserve_until
    assert preserved is not None and preview.expires_at == preserved
