"""The queue, a case with its evidence, claiming, deciding, and revealing a preview."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from safeguarding.cases import explain, queues
from safeguarding.cases.evidence import MAX_TRACKED_ACCOUNTS
from safeguarding.cases.model import CaseKind, Classification, Decision, Status
from safeguarding.cases.queue import MAX_PAGE, MAX_PER_PAGE
from safeguarding.cases.service import due_soon
from safeguarding.errors import InvalidInputError, NotFoundError, SafeguardingError
from safeguarding.shells import RowId, engine_of
from safeguarding.store.models import utcnow
from safeguarding.web import review
from safeguarding.web.common import SECURITY_HEADERS, Reviewer, act, error_page, page

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form()]


@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/queue", status_code=303)


TABS = {
    "open": (Status.NEW, Status.IN_REVIEW),
    "decided": (Status.DECIDED, Status.ACTIONED),
    "closed": (Status.CLOSED,),
}


@router.get("/queue")
async def queue(
    request: Request,
    session: Reviewer,
    show: str = "open",
    page_number: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50,
) -> HTMLResponse:
    engine = engine_of(request)
    show = show if show in TABS else "open"
    listed = await run_in_threadpool(
        lambda: engine.cases.queue(
            statuses=TABS[show], page=page_number, per_page=per_page, user=session.user
        )
    )
    rounds = await run_in_threadpool(engine.cases.queues, session.user)
    plain = await run_in_threadpool(engine.cases.summaries, listed.cases)
    tabs = {name: sum(listed.by_status[s] for s in statuses) for name, statuses in TABS.items()}
    return page(
        request,
        "queue.html",
        {
            "queue": listed,
            "cases": listed.cases,
            "show": show,
            "tabs": tabs,
            "due_soon": due_soon,
            "now": utcnow(),
            "rounds": rounds,
            "waited": review.waited,
            "plain": plain,
        },
        session=session,
    )


def _case_page(
    request: Request,
    session: Reviewer,
    case_id: int,
    revealed: dict[int, str] | None = None,
    region: str = "whole",
) -> HTMLResponse:
    engine = engine_of(request)
    reviewed = engine.cases.review(case_id, session.user)
    case = reviewed.case
    reports = engine.reports.list(case_id=case_id)
    # in a round of "start reviewing": the queue, and the cases skipped in it so far
    self_report = case.kind is CaseKind.SELF_REPORT
    flow = request.query_params.get("queue", "")
    current = queues.BY_NAME.get(flow)
    return page(
        request,
        "case.html",
        {
            "case": case,
            "reports": reports,
            "revealed": revealed or {},
            "region": region,
            "regions": REGIONS,
            "keyframe_regions": KEYFRAME_REGIONS,
            "context": reviewed.context,
            "foreseen": reviewed.foreseen,
            "kept_out": reviewed.kept_out,
            "verdict_names": HOTLINE_VERDICTS if self_report else VERDICT_NAMES,
            # the shortcuts as the hotline says them: no escalation, no preview to reveal
            "hotline_keys": self_report,
            "tactic_label": explain.tactic_label,
            "round": current,
            "skipped": review.parse_skipped(request.query_params.get("skipped", ""))
            if current
            else [],
            "skip_reasons": review.SKIP_REASONS,
            "holder": case.held_by(utcnow()),
            "decisions": [d for d in Decision if not (self_report and d is Decision.ESCALATE)],
            "classifications": list(Classification),
            "is_match": case.kind in (CaseKind.MATCH, CaseKind.USER_REPORT),
            "max_accounts": MAX_TRACKED_ACCOUNTS,
        },
        session=session,
    )


FILE_CLASSIFICATION = "classification_"
VERDICT_NAMES = {
    "confirm": "Confirm",
    "false_positive": "False positive",
    "escalate": "Escalate to a senior",
    "needs_info": "Ask the platform",
}

#: a self-report's verdicts, as the hotline says them (selfreport/hotline.py)
HOTLINE_VERDICTS = {
    "confirm": "Approve for blocking",
    "false_positive": "Reject",
    "needs_info": "Ask for the upload route",
}


@router.get("/cases/{case_id}")
async def case_page(request: Request, session: Reviewer, case_id: RowId) -> Response:
    try:
        return await run_in_threadpool(_case_page, request, session, case_id)
    except SafeguardingError as exc:
        return error_page(request, exc, session)


@router.post("/cases/{case_id}/claim")
async def claim(
    request: Request,
    session: Reviewer,
    case_id: RowId,
    csrf_token: Csrf = "",
    override: Annotated[str, Form()] = "",
) -> Response:
    """Hold the case; a senior reviewer may take over another reviewer's (`override`)."""

    def work() -> Response:
        engine_of(request).cases.leases.claim(case_id, session.user, override=override == "yes")
        return RedirectResponse(f"/cases/{case_id}", status_code=303)

    return await act(request, session, work, csrf_token)


@router.post("/cases/{case_id}/release")
async def release(
    request: Request,
    session: Reviewer,
    case_id: RowId,
    csrf_token: Csrf = "",
    reason: Annotated[str, Form(max_length=100)] = "",
    detail: Annotated[str, Form(max_length=400)] = "",
    queue: Annotated[str, Form(max_length=40)] = "",
    skipped: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Skip, with a reason: give the case back to the queue; in a round, open the next."""

    def work() -> Response:
        if queue:
            queues.named(queue)  # a wrong name fails before the case is let go
        engine_of(request).cases.leases.release(
            case_id, session.user, review.skip_reason(reason, detail)
        )
        if queue:
            return review.next_case(
                request,
                session,
                queue,
                [*review.parse_skipped(skipped), case_id],
                f"Case {case_id} is back in the queue.",
            )
        return RedirectResponse(f"/queue?msg=case+{case_id}+is+back+in+the+queue", status_code=303)

    return await act(request, session, work, csrf_token)


@router.post("/cases/{case_id}/decision")
async def decide(
    request: Request,
    session: Reviewer,
    case_id: RowId,
    decision: Annotated[str, Form()],
    version: Annotated[int, Form()],
    reason: Annotated[str, Form(max_length=5000)] = "",
    classification: Annotated[str, Form()] = "",
    csrf_token: Csrf = "",
    queue: Annotated[str, Form(max_length=40)] = "",
    skipped: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    form = await request.form()
    # one select per preview: classification_<preview id>
    per_file: dict[int, str] = {}
    for name, value in form.multi_items():
        number = name.removeprefix(FILE_CLASSIFICATION)
        # ASCII digits only: str.isdigit() also takes '²', which int() refuses
        if (
            name.startswith(FILE_CLASSIFICATION)
            and number.isascii()
            and number.isdigit()
            and len(number) < 19
            and isinstance(value, str)
            and value
        ):
            per_file[int(number)] = value

    def work() -> Response:
        if queue:
            queues.named(queue)
        decided = engine_of(request).cases.decide(
            case_id,
            session.user,
            decision,
            reason,
            version=version,
            classification=classification or None,
            file_classifications=per_file,
        )
        if queue:  # in a round: the next case opens
            verdict = decided.decision or Decision(decision)
            return review.next_case(
                request,
                session,
                queue,
                review.parse_skipped(skipped),
                f"Case {case_id}: {verdict.value.replace('_', ' ')} recorded.",
            )
        return RedirectResponse(f"/cases/{case_id}?msg=decision+recorded", status_code=303)

    return await act(request, session, work, csrf_token)


@router.get("/cases/{case_id}/previews/{preview_id}/blurred")
async def blurred_preview(
    request: Request, session: Reviewer, case_id: RowId, preview_id: RowId
) -> Response:
    def work() -> Response:
        data = engine_of(request).previews.render(
            case_id, preview_id, session.user.actor, reveal=False
        )
        return Response(data, media_type="image/jpeg", headers=SECURITY_HEADERS)

    return await act(request, session, work, check_csrf=False)


#: the words for cases/previews.py's REGIONS
REGIONS = {
    "whole": "the whole image",
    "top-left": "the top left quarter",
    "top-right": "the top right quarter",
    "bottom-left": "the bottom left quarter",
    "bottom-right": "the bottom right quarter",
}
#: a video's preview is four keyframes, one per quarter (cases/keyframes.py)
KEYFRAME_REGIONS = {
    "whole": "all four keyframes",
    "top-left": "keyframe 1 (top left)",
    "top-right": "keyframe 2 (top right)",
    "bottom-left": "keyframe 3 (bottom left)",
    "bottom-right": "keyframe 4 (bottom right)",
}


@router.get("/cases/{case_id}/previews/{preview_id}/reveal")
async def reveal_prompt(
    request: Request, session: Reviewer, case_id: RowId, preview_id: RowId
) -> Response:
    """Reveal asks first: how long it stays, how many this hour, which part to show."""

    def work() -> Response:
        engine = engine_of(request)
        case = engine.cases.get(case_id)
        preview = next((p for p in case.previews if p.id == preview_id), None)
        if preview is None:
            raise NotFoundError(f"no preview {preview_id} in case {case_id}")
        counts = engine.wellbeing.reveals(session.user)
        return page(
            request,
            "reveal.html",
            {
                "case": case,
                "preview": preview,
                "preview_id": preview_id,
                "counts": counts,
                "regions": KEYFRAME_REGIONS if preview.video else REGIONS,
                "limit": engine.settings.review_reveals_per_hour,
            },
            session=session,
        )

    return await act(request, session, work, check_csrf=False)


@router.post("/cases/{case_id}/previews/{preview_id}/reveal")
async def reveal(
    request: Request,
    session: Reviewer,
    case_id: RowId,
    preview_id: RowId,
    csrf_token: Csrf = "",
    confirmed: Annotated[str, Form()] = "",
    region: Annotated[str, Form(max_length=20)] = "whole",
) -> Response:
    """The unblurred image, or only the quarter chosen, inline in this one response: no URL
    to cache or share."""

    def work() -> Response:
        if confirmed != "yes":
            raise InvalidInputError("confirmed", "confirm the reveal on its prompt first")
        # only the chosen part's pixels come back (cut on the server), and nowhere else
        data = engine_of(request).previews.render(
            case_id, preview_id, session.user.actor, reveal=True, region=region
        )
        inline = "data:image/jpeg;base64," + base64.b64encode(data).decode()
        return _case_page(request, session, case_id, {preview_id: inline}, region)

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
async def approve(
    request: Request, session: Reviewer, report_id: RowId, csrf_token: Csrf = ""
) -> Response:
    def work() -> Response:
        engine_of(request).reports.approve(report_id, session.user)
        return RedirectResponse(
            f"/reports/{report_id}?msg=approved:+queued+for+sending", status_code=303
        )

    return await act(request, session, work, csrf_token)


@router.post("/reports/{report_id}/withdraw")
async def withdraw(
    request: Request,
    session: Reviewer,
    report_id: RowId,
    reason: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Csrf = "",
) -> Response:
    def work() -> Response:
        engine_of(request).reports.withdraw(report_id, session.user, reason)
        return RedirectResponse(f"/reports/{report_id}?msg=withdrawn", status_code=303)

    return await act(request, session, work, csrf_token)
