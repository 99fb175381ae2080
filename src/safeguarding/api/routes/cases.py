"""Cases from the platform's side: user reports in, a preview for review, status out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, UploadFile
from starlette.concurrency import run_in_threadpool

from safeguarding.api.deps import CaseKey, EngineDep, KeyFirstRoute, RowId
from safeguarding.api.schemas import CaseOut, CaseRef, PreviewOut, UserReportIn
from safeguarding.cases import intake
from safeguarding.cases.model import Subject
from safeguarding.cases.service import Opened
from safeguarding.engine import Engine
from safeguarding.hashing.registry import validate_signal

router = APIRouter(tags=["cases"], route_class=KeyFirstRoute)


def case_ref(opened: Opened) -> dict[str, Any]:
    return opened.as_dict()


def _report(engine: Engine, body: UserReportIn, actor: str) -> dict[str, Any]:
    query = dict(validate_signal(s.type, s.value) for s in body.signals)
    request = intake.from_user_report(
        body.category,
        body.reason,
        Subject(body.content_id, body.account_id, body.conversation_id),
        reporter=body.reporter_id,
        query=query,
        upload=body.upload(),
    )
    return case_ref(engine.cases.open(request, actor))


@router.post("/reports", response_model=CaseRef, status_code=201)
async def user_report(body: UserReportIn, engine: EngineDep, key: CaseKey) -> dict[str, Any]:
    """A report from someone on your platform: opens a case for review, or adds to the open
    case about the same content, account or conversation."""
    return await run_in_threadpool(_report, engine, body, key.actor)


@router.get("/cases/{case_id}", response_model=CaseOut)
async def case_status(case_id: RowId, engine: EngineDep, key: CaseKey) -> dict[str, Any]:
    """A case's status and decision (evidence excerpts stay in the review tool)."""
    case = await run_in_threadpool(engine.cases.get, case_id)
    out = case.as_dict()
    out.pop("evidence")
    return out


@router.post("/cases/{case_id}/preview", response_model=PreviewOut, status_code=201)
async def add_preview(
    case_id: RowId, file: UploadFile, engine: EngineDep, key: CaseKey
) -> dict[str, Any]:
    """Supply the image or video for review. An image is kept re-encoded at 1024 px, a
    video as four keyframes spread over it (never the video itself), for the preview retention
    period (longer once a case is confirmed and preserved); shown blurred by default. With a
    new-imagery detector set, an image is scored too: a likely nude one raises an open
    child-related case's priority for the reviewer (nothing is sent or blocked for it)."""
    data = await file.read()
    preview_id, _ = await run_in_threadpool(
        engine.add_preview, case_id, data, file.filename or "upload", key.actor
    )
    return {"case": case_id, "preview": preview_id}
