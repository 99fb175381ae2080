"""The review pages in memory: sign-in, CSRF, sessions, roles, decisions, reveal."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image

from safeguarding.audit.events import Event
from safeguarding.cases import intake, records
from safeguarding.cases.model import Status, Subject
from safeguarding.cases.uploads import UploadInfo
from safeguarding.demo import generated_image
from safeguarding.engine import Engine
from safeguarding.store.models import utcnow
from tests.fakes.setup import bank_of
from tests.media.test_video import make_video
from tests.web.conftest import sign_in


def _case(engine: Engine, category: str = "csam") -> int:
    case_id = engine.cases.open(
        intake.from_user_report(category, "reported", Subject("c1")), "t"
    ).case.id
    engine.previews.add(case_id, generated_image(1), "upload.jpg", "key:t")
    return case_id


def test_pages_need_a_signed_in_reviewer(client: TestClient) -> None:
    answer = client.get("/queue")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    assert client.get("/cases/1").status_code == 303


def test_login_without_its_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    answer = client.post("/login", data={"username": "rita", "password": "x" * 20})
    assert answer.status_code == 403 and "security token" in answer.text


def test_a_wrong_password_says_so_without_naming_the_account(client: TestClient) -> None:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    answer = client.post(
        "/login", data={"username": "rita", "password": "wrong password!", "csrf_token": token}
    )
    assert answer.status_code == 401 and "wrong username or password" in answer.text


def test_a_decision_without_csrf_changes_nothing(client: TestClient, web_engine: Engine) -> None:
    case_id = _case(web_engine)
    sign_in(client, "rita")
    answer = client.post(
        f"/cases/{case_id}/decision", data={"decision": "confirm", "reason": "x", "version": 1}
    )
    assert answer.status_code == 403
    assert web_engine.cases.get(case_id).status is Status.NEW


def test_decide_in_the_browser_and_twice_is_refused(client: TestClient, web_engine: Engine) -> None:
    case_id = _case(web_engine)
    csrf = sign_in(client, "rita")
    page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    form = {
        "decision": "confirm",
        "reason": "clear",
        "version": 1,
        "csrf_token": csrf,
        "classification": "B1",
    }
    first = client.post(f"/cases/{case_id}/decision", data=form)
    assert first.status_code == 303
    second = client.post(f"/cases/{case_id}/decision", data=form)
    assert second.status_code == 409 and "already decided" in second.text
    assert web_engine.cases.get(case_id).decided_by == "rita"


def test_an_unknown_verdict_is_a_clear_error_page(client: TestClient, web_engine: Engine) -> None:
    case_id = _case(web_engine)
    csrf = sign_in(client, "rita")
    answer = client.post(
        f"/cases/{case_id}/decision",
        data={"decision": "maybe", "reason": "x", "version": 1, "csrf_token": csrf},
    )
    assert answer.status_code == 422 and "decision: must be one of" in answer.text
    assert web_engine.cases.get(case_id).status is Status.NEW


def test_each_preview_can_be_classified_on_its_own(client: TestClient, web_engine: Engine) -> None:
    case_id = _case(web_engine)
    preview = web_engine.cases.get(case_id).previews[0]
    csrf = sign_in(client, "rita")
    page = client.get(f"/cases/{case_id}")
    assert f'name="classification_{preview.id}"' in page.text
    form = {
        "decision": "confirm",
        "reason": "clear",
        "version": 1,
        "csrf_token": csrf,
        "classification": "B1",
        f"classification_{preview.id}": "A1",
        "classification_99999999999999999999": "A2",  # ignored: not a preview id
        "classification_\u00b2": "A2",
        "classification_": "A2",
    }  # ignored likewise
    assert client.post(f"/cases/{case_id}/decision", data=form).status_code == 303
    with web_engine.db.read() as session:
        decided = web_engine.audit.recent(session, action=Event.CASE_DECIDE)[0]
    assert decided.details["file_classifications"] == {str(preview.id): "A1"}
    other = _case(web_engine, "grooming")
    wrong = {**form, "version": 1, f"classification_{preview.id}": "A1"}
    answer = client.post(f"/cases/{other}/decision", data=wrong)
    assert answer.status_code == 404 and "no preview" in answer.text
    assert web_engine.cases.get(other).status is Status.NEW  # nothing changed
    bad = {**form, "version": 1, f"classification_{preview.id}": "Z9"}
    answer = client.post(f"/cases/{other}/decision", data=bad)
    assert (
        answer.status_code == 422 and f"classification_{preview.id}: must be one of" in answer.text
    )


def test_previews_are_blurred_and_a_reveal_is_logged(
    client: TestClient, web_engine: Engine
) -> None:
    case_id = _case(web_engine)
    csrf = sign_in(client, "rita")
    preview = web_engine.cases.get(case_id).previews[0]
    blurred = client.get(f"/cases/{case_id}/previews/{preview.id}/blurred")
    assert blurred.status_code == 200 and blurred.headers["content-type"] == "image/jpeg"
    refused = client.post(f"/cases/{case_id}/previews/{preview.id}/reveal")
    assert refused.status_code == 403
    url = f"/cases/{case_id}/previews/{preview.id}/reveal"
    prompt = client.get(url).text  # reveal asks first, and says how many so far
    assert "You have revealed 0 images in the last hour" in prompt
    assert "Reveal for 15 seconds" in prompt and 'value="top-left" checked' in prompt
    unconfirmed = client.post(url, data={"csrf_token": csrf})
    assert unconfirmed.status_code == 422 and "confirm the reveal" in unconfirmed.text
    assert (
        client.post(
            url, data={"csrf_token": csrf, "confirmed": "yes", "region": "middle"}
        ).status_code
        == 422
    )
    revealed = client.post(
        url, data={"csrf_token": csrf, "confirmed": "yes", "region": "bottom-right"}
    )
    assert revealed.status_code == 200 and "data:image/jpeg;base64," in revealed.text
    assert 'class="reveal-frame region-bottom-right"' in revealed.text
    # the page carries only the bottom right quarter's pixels, cut on the server
    inline = re.findall(r'src="data:image/jpeg;base64,([^"]+)"', revealed.text)
    with web_engine.db.read() as session:
        stored = Image.open(io.BytesIO(records.preview_files(session, case_id)[preview.id]))
    assert len(inline) == 1
    shown = Image.open(io.BytesIO(base64.b64decode(inline[0])))
    assert shown.size == (stored.width // 2, stored.height // 2)
    assert np.array_equal(
        np.asarray(shown),
        np.asarray(
            Image.open(
                io.BytesIO(
                    web_engine.previews.render(
                        case_id, preview.id, "user:test", reveal=True, region="bottom-right"
                    )
                )
            )
        ),
    )
    assert 'data-reblur-seconds="15"' in revealed.text
    assert "You have revealed 1 image in the last hour" in client.get(url).text
    with web_engine.db.read() as session:
        reveals = web_engine.audit.recent(session, action=Event.EVIDENCE_REVEAL)
        views = web_engine.audit.recent(session, action=Event.EVIDENCE_VIEW)
    assert [(e.actor, e.details["region"]) for e in reveals] == [
        ("user:test", "bottom-right"),
        ("user:rita", "bottom-right"),
    ] and len(views) == 1


def test_a_video_preview_is_four_keyframes_that_never_play(
    client: TestClient, web_engine: Engine
) -> None:
    case_id = web_engine.cases.open(
        intake.from_user_report("csam", "reported", Subject("v1")), "t"
    ).case.id
    preview = web_engine.previews.add(
        case_id, make_video("mp4", "mpeg4", seconds=3.0), "clip.mp4", "key:t"
    )
    csrf = sign_in(client, "rita")
    shown = client.get(f"/cases/{case_id}").text
    assert "A video, shown as four keyframes spread over it (it never plays" in shown
    assert "<video" not in shown and "<audio" not in shown
    url = f"/cases/{case_id}/previews/{preview}/reveal"
    prompt = client.get(url).text
    assert "keyframe 1 (top left)" in prompt and "all four keyframes" in prompt
    revealed = client.post(
        url, data={"csrf_token": csrf, "confirmed": "yes", "region": "top-right"}
    ).text
    assert "keyframe 2 (top right) only" in revealed
    inline = re.findall(r'src="data:image/jpeg;base64,([^"]+)"', revealed)
    keyframe = Image.open(io.BytesIO(base64.b64decode(inline[0])))
    assert keyframe.size == (64, 48)  # one frame of the 64x48 video: a quarter of the sheet


def test_a_reviewer_cannot_use_admin_pages(client: TestClient, web_engine: Engine) -> None:
    csrf = sign_in(client, "rita")
    assert client.get("/admin").status_code == 403
    answer = client.post(
        "/admin/users",
        data={"username": "mallory", "password": "p" * 14, "role": "admin", "csrf_token": csrf},
    )
    assert answer.status_code == 403
    assert "mallory" not in [u.username for u in web_engine.users.list()]


def test_an_admin_manages_reviewers_and_sees_the_chain(
    client: TestClient, web_engine: Engine
) -> None:
    csrf = sign_in(client, "ada")
    created = client.post(
        "/admin/users",
        data={"username": "nina", "password": "p" * 14, "role": "reviewer", "csrf_token": csrf},
    )
    assert created.status_code == 303
    page = client.get("/admin")
    assert "nina" in page.text and "intact" in page.text


def test_an_expired_session_is_sent_back_to_sign_in(client: TestClient, web_engine: Engine) -> None:
    csrf = sign_in(client, "rita")
    from sqlalchemy import text

    with web_engine.db.engine.begin() as conn:
        conn.execute(text("UPDATE web_sessions SET last_seen_at = '2000-01-01 00:00:00'"))
    answer = client.post("/logout", data={"csrf_token": csrf})
    assert answer.status_code == 303 and "expired" in answer.headers["location"]


def test_a_file_matching_again_and_again_keeps_the_case_page_small(
    client: TestClient, web_engine: Engine
) -> None:
    image = generated_image(3)
    bank_of(web_engine, [image])
    hashes, result = web_engine.match_bytes(image)

    def upload(i: int) -> int:
        opened = web_engine.open_match_case(
            result,
            hashes.primary(),
            Subject("post-1", f"acct-{i % 4}"),
            UploadInfo.parse(uploader_ip=f"192.0.2.{i % 250}", surface="message"),
        )
        assert opened is not None
        return opened.case.id

    case_id = [upload(i) for i in range(10)][-1]
    sign_in(client, "rita")
    after_ten = client.get(f"/cases/{case_id}").text
    for i in range(10, 110):
        upload(i)
    after_110 = client.get(f"/cases/{case_id}").text
    assert "Seen 110 times from 4 accounts" in after_110
    assert "uploader ip 192.0.2.109" in after_110 and "surface message" in after_110
    assert abs(len(after_110) - len(after_ten)) < 100


def test_the_queue_pages_through_every_case_with_counts(
    client: TestClient, web_engine: Engine
) -> None:
    for i in range(60):
        web_engine.cases.open(
            intake.from_user_report("sextortion" if i < 5 else "other", "", Subject(f"c{i}")), "t"
        )
    sign_in(client, "rita")
    first = client.get("/queue?per_page=25").text
    assert "Open (60)" in first and "urgent 5 · normal 55" in first
    assert "Cases 1-25 of 60" in first and 'rel="next"' in first
    last = client.get("/queue?per_page=25&page=3").text
    assert "Cases 51-60 of 60" in last and 'rel="next"' not in last
    assert last.count('class="row priority-') == 10
    assert client.get("/queue?page=0").status_code == 422


def test_a_case_held_by_another_reviewer_and_signing_out(
    client: TestClient, web_engine: Engine
) -> None:
    case_id = _case(web_engine)
    rita = web_engine.users.list()[0]
    web_engine.cases.leases.claim(case_id, rita)
    csrf = sign_in(client, "sam")  # a senior
    page = client.get(f"/cases/{case_id}").text
    assert "rita, until" in page and "Take over from rita" in page
    refused = client.post(
        f"/cases/{case_id}/decision",
        data={"decision": "confirm", "reason": "x", "version": 1, "csrf_token": csrf},
    )
    assert refused.status_code == 409 and "being reviewed by rita" in refused.text
    taken = client.post(f"/cases/{case_id}/claim", data={"csrf_token": csrf, "override": "yes"})
    assert taken.status_code == 303
    assert "Skip: back to the queue" in client.get(f"/cases/{case_id}").text
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert web_engine.cases.get(case_id).held_by(utcnow()) is None  # released on sign-out
    assert web_engine.cases.get(case_id).status is Status.NEW


def test_skip_in_the_browser(client: TestClient, web_engine: Engine) -> None:
    case_id = _case(web_engine)
    csrf = sign_in(client, "rita")
    assert client.post(f"/cases/{case_id}/claim", data={"csrf_token": csrf}).status_code == 303
    skipped = client.post(
        f"/cases/{case_id}/release", data={"csrf_token": csrf, "reason": "I know them"}
    )
    assert skipped.status_code == 303 and "back+in+the+queue" in skipped.headers["location"]
    assert web_engine.cases.get(case_id).held_by(utcnow()) is None


def test_start_reviewing_a_queue_case_after_case(client: TestClient, web_engine: Engine) -> None:
    ids = [
        web_engine.cases.open(intake.from_user_report(category, "", Subject(f"r{i}")), "t").case.id
        for i, category in enumerate(["other", "sextortion", "csam"])
    ]
    csrf = sign_in(client, "rita")
    queue = client.get("/queue").text
    assert "3</strong> waiting (1 urgent)" in queue and "Oldest waiting: 0 min" in queue
    assert 'action="/review/escalated"' not in queue  # a senior's queue
    started = client.post("/review/reports", data={"csrf_token": csrf})
    assert started.status_code == 303
    assert started.headers["location"] == f"/cases/{ids[1]}?queue=reports"  # urgent first
    page = client.get(started.headers["location"]).text
    assert "Reviewing <strong>User reports</strong>" in page
    assert 'name="queue" value="reports"' in page

    # a skip needs a reason, then the next case opens
    refused = client.post(f"/cases/{ids[1]}/release", data={"csrf_token": csrf, "queue": "reports"})
    assert refused.status_code == 422 and "say why you skip" in refused.text
    assert web_engine.cases.get(ids[1]).held_by(utcnow()) == "rita"
    skipped = client.post(
        f"/cases/{ids[1]}/release",
        data={
            "csrf_token": csrf,
            "queue": "reports",
            "reason": "It needs a specialist",
            "detail": "needs a translator",
        },
    )
    assert skipped.headers["location"].startswith(
        f"/cases/{ids[2]}?queue=reports&skipped={ids[1]}&msg=Case+{ids[1]}+is+back"
    )
    with web_engine.db.read() as session:
        released = web_engine.audit.recent(session, action=Event.CASE_RELEASE)
    assert released[0].details["reason"] == "It needs a specialist: needs a translator"

    # after a decision the next case opens, the skipped one stays skipped this round
    decided = client.post(
        f"/cases/{ids[2]}/decision",
        data={
            "decision": "false_positive",
            "reason": "nothing wrong",
            "version": 1,
            "csrf_token": csrf,
            "queue": "reports",
            "skipped": str(ids[1]),
        },
    )
    assert decided.headers["location"].startswith(f"/cases/{ids[0]}?queue=reports")
    last = client.post(
        f"/cases/{ids[0]}/decision",
        data={
            "decision": "false_positive",
            "reason": "fine",
            "version": 1,
            "csrf_token": csrf,
            "queue": "reports",
            "skipped": str(ids[1]),
        },
    )
    assert "Nothing+else+waits+in+User+reports" in last.headers["location"]
    assert client.post("/review/everything", data={"csrf_token": csrf}).status_code == 404
    assert client.post("/review/escalated", data={"csrf_token": csrf}).status_code == 403
    assert client.post("/review/reports", data={"csrf_token": "x"}).status_code == 403
