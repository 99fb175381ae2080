"""The queue, a case with its evidence, claiming, deciding, and revealing a preview."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from safeguarding.cases.evidence import MAX_TRACKED_ACCOUNTS
from safeguarding.cases.model import CaseKind, Classification, Decision, Status
from safeguarding.cases.queue import MAX_PAGE, MAX_PER_PAGE
from safeguarding.cases.service import due_soon
from safeguarding.errors import SafeguardingError
from safeguarding.inputs import free_text
from safeguarding.shells import RowId, engine_of
from safeguarding.store.models import utcnow
from safeguarding.web.common import SECURITY_HEADERS, Reviewer, act, error_page, page

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form()]


@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/queue", status_code=303)


TABS = {"open": (Status.NEW, Status.IN_REVIEW), "decided": (Status.DECIDED, Status.ACTIONED),
        "closed": (Status.CLOSED,)}


@router.get("/queue")
async def queue(request: Request, session: Reviewer, show: str = "open",
                page_number: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
                per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50) -> HTMLResponse:
    engine = engine_of(request)
    show = show if show in TABS else "open"
    listed = await run_in_threadpool(lambda: engine.cases.queue(
        statuses=TABS[show], page=page_number, per_page=per_page))
    tabs = {name: sum(listed.by_status[s] for s in statuses)
            for name, statuses in TABS.items()}
    return page(request, "queue.html", {"queue": listed, "cases": listed.cases, "show": show,
                                        "tabs": tabs, "due_soon": due_soon, "now": utcnow()},
                session=session)


def _case_page(request: Request, session: Reviewer, case_id: int,
               revealed: dict[int, str] | None = None) -> HTMLResponse:
    engine = engine_of(request)
    case = engine.cases.view(case_id, session.user)
    reports = engine.reports.list(case_id=case_id)
    return page(request, "case.html", {
        "case": case, "reports": reports, "revealed": revealed or {},
        "holder": case.held_by(utcnow()),
        "decisions": list(Decision), "classifications": list(Classification),
        "is_match": case.kind in (CaseKind.MATCH, CaseKind.USER_REPORT),
        "max_accounts": MAX_TRACKED_ACCOUNTS}, session=session)


FILE_CLASSIFICATION = "classification_"


@router.get("/cases/{case_id}")
async def case_page(request: Request, session: Reviewer, case_id: RowId) -> Response:
    try:
        return await run_in_threadpool(_case_page, request, session, case_id)
    except SafeguardingError as exc:
        return error_page(request, exc, session)


@router.post("/cases/{case_id}/claim")
async def claim(request: Request, session: Reviewer, case_id: RowId, csrf_token: Csrf = "",
                override: Annotated[str, Form()] = "") -> Response:
    """Hold the case; a senior reviewer may take over another reviewer's (`override`)."""
    def work() -> Response:
        engine_of(request).cases.leases.claim(case_id, session.user,
                                              override=override == "yes")
        return RedirectResponse(f"/cases/{case_id}", status_code=303)

    return await act(request, session, work, csrf_token)


@router.post("/cases/{case_id}/release")
async def release(request: Request, session: Reviewer, case_id: RowId, csrf_token: Csrf = "",
                  reason: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Skip: give the case back to the queue."""
    def work() -> Response:
        engine_of(request).cases.leases.release(case_id, session.user,
                                                free_text("reason", reason, 500))
        return RedirectResponse(f"/queue?msg=case+{case_id}+is+back+in+the+queue",
                                status_code=303)

    return await act(request, session, work, csrf_token)


@router.post("/cases/{case_id}/decision")
async def decide(request: Request, session: Reviewer, case_id: RowId,
                 decision: Annotated[str, Form()], version: Annotated[int, Form()],
                 reason: Annotated[str, Form(max_length=5000)] = "",
                 classification: Annotated[str, Form()] = "", csrf_token: Csrf = ""
                 ) -> Response:
    form = await request.form()
    # one select per preview: classification_<preview id>
    per_file: dict[int, str] = {}
    for name, value in form.multi_items():
        number = name.removeprefix(FILE_CLASSIFICATION)
        # ASCII digits only: str.isdigit() also takes '²', which int() refuses
        if name.startswith(FILE_CLASSIFICATION) and number.isascii() and number.isdigit() \
                and len(number) < 19 and isinstance(value, str) and value:
            per_file[int(number)] = value

    def work() -> Response:
        engine_of(request).cases.decide(case_id, session.user, decision, reason,
                                        version=version, classification=classification or None,
                                        file_classifications=per_file)
        return RedirectResponse(f"/cases/{case_id}?msg=decision+recorded", status_code=303)

    return await act(request, session, work, csrf_token)


@router.get("/cases/{case_id}/previews/{preview_id}/blurred")
async def blurred_preview(request: Request, session: Reviewer, case_id: RowId, preview_id: RowId
                          ) -> Response:
    def work() -> Response:
        data = engine_of(request).previews.render(case_id, preview_id,
                                                           session.user.actor, reveal=False)
        return Response(data, media_type="image/jpeg", headers=SECURITY_HEADERS)

    return await act(request, session, work, check_csrf=False)


@router.post("/cases/{case_id}/previews/{preview_id}/reveal")
async def reveal(request: Request, session: Reviewer, case_id: RowId, preview_id: RowId,
                 csrf_token: Csrf = "") -> Response:
    """The unblurred image, inline in this one response: no URL to cache or share."""
    def work() -> Response:
        data = engine_of(request).previews.render(case_id, preview_id,
                                                           session.user.actor, reveal=True)
        inline = "data:image/jpeg;base64," + base64.b64encode(data).decode()
        return _case_page(request, session, case_id, {preview_id: inline})

    return await act(request, session, work, csrf_token)


@router.get("/reports")
async def reports(request: Request, session: Reviewer) -> HTMLResponse:
    items = await run_in_threadpool(engine_of(request).reports.list)
    return page(request, "reports.html", {"reports": items}, session=session)


@router.get("/reports/{report_id}")
async def report_page(request: Request, session: Reviewer, report_id: RowId) -> Response:
    def work() -> Response:
        report = engine_of(request).reports.get(report_id)
        return page(request, "report.html", {"report": report}, session=session)

    return await act(request, session, work, check_csrf=False)


@router.post("/reports/{report_id}/approve")
async def approve(request: Request, session: Reviewer, report_id: RowId, csrf_token: Csrf = ""
                  ) -> Response:
    def work() -> Response:
        engine_of(request).reports.approve(report_id, session.user)
        return RedirectResponse(f"/reports/{report_id}?msg=approved:+queued+for+sending",
                                status_code=303)

    return await act(request, session, work, csrf_token)


@router.post("/reports/{report_id}/withdraw")
async def withdraw(request: Request, session: Reviewer, report_id: RowId,
                   reason: Annotated[str, Form(max_length=2000)] = "", csrf_token: Csrf = ""
                   ) -> Response:
    def work() -> Response:
        engine_of(request).reports.withdraw(report_id, session.user, reason)
        return RedirectResponse(f"/reports/{report_id}?msg=withdrawn", status_code=303)

    return await act(request, session, work, csrf_token)
