"""The hotline queue in the review workspace: a hotline analyst starts the self-reports
queue, sees the hashes and what they matched (no image, no preview), and approves with
the hotline's words; the young person's status page follows each step."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from safeguarding.engine import Engine
from safeguarding.selfreport import Status
from tests.fakes.setup import PASSWORD
from tests.selfreport.test_service import PDQ, body
from tests.web.conftest import sign_in


def _status_page(client: TestClient, number: str, pin: str) -> str:
    answer = client.post("/report-remove/status", data={"case_number": number, "pin": pin})
    assert answer.status_code == 200, answer.text
    return answer.text


def test_the_hotline_works_a_self_report_from_its_queue(
    client: TestClient, web_engine: Engine
) -> None:
    web_engine.users.create("hana", PASSWORD, "hotline", "test")
    receipt = web_engine.self_reports.submit(body(7), "10.1.1.1")
    case_id = web_engine.self_reports.status(receipt.case_number, receipt.pin, "10.1.1.1")
    assert case_id.review_case is not None
    received = _status_page(client, receipt.case_number, receipt.pin)
    assert '<dd id="status">Received</dd>' in received
    assert "Not found anywhere yet" in received

    # a reviewer or a senior has no hotline queue, never sees the case listed in /queue
    # (decided or closed ones neither: below), and cannot open it
    for name in ("rita", "sam"):
        csrf = sign_in(client, name)
        listed = client.get("/queue").text
        assert 'action="/review/hotline"' not in listed
        assert f'href="/cases/{case_id.review_case}"' not in listed
        assert "Self-report" not in listed
        assert client.post("/review/hotline", data={"csrf_token": csrf}).status_code == 403
        assert client.get(f"/cases/{case_id.review_case}").status_code == 403
        client.post("/logout", data={"csrf_token": csrf})

    csrf = sign_in(client, "hana")
    queue = client.get("/queue").text
    assert 'action="/review/hotline"' in queue and "Self-reports" in queue
    started = client.post("/review/hotline", data={"csrf_token": csrf})
    assert started.headers["location"] == f"/cases/{case_id.review_case}?queue=hotline"
    page = client.get(started.headers["location"]).text
    assert "What the young person sent" in page and PDQ in page
    assert "/previews/" not in page  # there is no image to show
    assert "Approve for blocking" in page and "Ask for the upload route" in page
    assert 'value="escalate"' not in page
    assert '<dd id="status">In review</dd>' in _status_page(
        client, receipt.case_number, receipt.pin
    )

    version = re.search(r'name="version" value="(\d+)"', page)
    assert version
    decided = client.post(
        f"/cases/{case_id.review_case}/decision",
        data={
            "csrf_token": csrf,
            "decision": "needs_info",
            "reason": "needs grading",
            "version": version.group(1),
        },
    )
    assert decided.status_code == 303
    asked = _status_page(client, receipt.case_number, receipt.pin)
    assert "The hotline asks to see them" in asked and "Contact the hotline" in asked
    page = client.get(f"/cases/{case_id.review_case}").text
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version
    client.post(
        f"/cases/{case_id.review_case}/decision",
        data={
            "csrf_token": csrf,
            "decision": "confirm",
            "reason": "graded",
            "version": version.group(1),
        },
    )
    shown = web_engine.self_reports.status(receipt.case_number, receipt.pin, "10.1.1.1")
    assert shown.status is Status.ACTIVE
    assert '<dd id="status">Active</dd>' in _status_page(client, receipt.case_number, receipt.pin)
    client.post("/logout", data={"csrf_token": csrf})
    csrf = sign_in(client, "sam")
    for tab in ("open", "decided", "closed"):
        listed = client.get(f"/queue?show={tab}").text
        assert f'href="/cases/{case_id.review_case}"' not in listed, tab
