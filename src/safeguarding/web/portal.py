"""The self-report portal's pages (`/report-remove`, docs/self-report.md): no account, no
cookies, nothing cached, nothing from anywhere else. The only data it takes is a
submission of hashes as JSON (selfreport/model.py) and a case number and PIN."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from safeguarding.config import Settings
from safeguarding.errors import InvalidInputError, RateLimitedError, SafeguardingError
from safeguarding.selfreport import Status
from safeguarding.shells import engine_of, error_body, status_for
from safeguarding.web.common import client_of, templates

router = APIRouter(prefix="/report-remove", include_in_schema=False)

#: stricter than the review pages: scripts, styles, workers and requests from here only
HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; connect-src 'self'; worker-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}
#: what each status means, in words a 12-year-old reads
WORDS = {
    Status.RECEIVED.value: "We have your report. Its codes are on our list, and when a copy "
    "turns up a trained person checks it.",
    Status.IN_REVIEW.value: "A trained person at the hotline is checking your report.",
    Status.ACTIVE.value: "Your report has been checked and approved. Sites that use our list "
    "block copies of your pictures.",
    Status.UPLOAD_REQUESTED.value: "The hotline needs to see the pictures to take this "
    "further. Only if you want to, send them through the hotline's own safe upload page.",
    Status.REJECTED.value: "The hotline checked your report and could not take it further, "
    "so its codes are off our list. You can still talk to {helpline} about it.",
    Status.WITHDRAWN.value: "You withdrew this report. Its codes are off our list, and "
    "sites that use our list are told to stop blocking them.",
}


@dataclass(frozen=True)
class Support:
    """Who every portal page sends a young person to (settings, docs/self-report.md)."""

    helpline: str
    helpline_phone: str
    helpline_url: str
    threats: str
    threats_url: str
    emergency_phone: str
    #: where adults in the picture go instead, and a helpline for them ("": none)
    adult: str
    adult_url: str
    adult_helpline: str
    adult_helpline_url: str
    #: where to report someone else's picture seen online
    online_report: str
    online_report_url: str

    @classmethod
    def of(cls, settings: Settings) -> Support:
        return cls(
            settings.self_report_helpline_name,
            settings.self_report_helpline_phone,
            settings.self_report_helpline_url,
            settings.self_report_threats_name,
            settings.self_report_threats_url,
            settings.self_report_emergency_phone,
            settings.self_report_adult_name,
            settings.self_report_adult_url,
            settings.self_report_adult_helpline_name,
            settings.self_report_adult_helpline_url,
            settings.self_report_online_report_name,
            settings.self_report_online_report_url,
        )

    @staticmethod
    def site(url: str) -> str:
        """A link's text: the address as people say it (`childline.org.uk`)."""
        return url.removeprefix("https://").removeprefix("www.").rstrip("/")

    @staticmethod
    def tel(number: str) -> str:
        """A tel: link's number: what is dialled, without the spaces."""
        return "tel:" + number.replace(" ", "")


def _page(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    response = templates.TemplateResponse(
        request,
        f"portal/{name}",
        {"support": Support.of(engine_of(request).settings), **(context or {})},
        status_code=status,
    )
    response.headers.update(HEADERS)
    return response


@router.get("")
async def start(request: Request) -> HTMLResponse:
    return _page(request, "start.html")


@router.get("/adult")
async def adult(request: Request) -> HTMLResponse:
    return _page(request, "adult.html")


@router.get("/someone-else")
async def someone_else(request: Request) -> HTMLResponse:
    return _page(request, "other.html")


@router.get("/report")
async def report(request: Request) -> HTMLResponse:
    return _page(request, "report.html")


@router.post("/submissions")
async def submit(request: Request) -> Response:
    """JSON only: a form post from another site cannot send it (the content type needs a
    CORS preflight, which nobody is granted), and another origin is refused outright."""
    engine = engine_of(request)
    try:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise InvalidInputError("content-type", "the portal sends application/json")
        _same_origin(request)
        try:
            body = await request.json()
        except ValueError:
            raise InvalidInputError("body", "not JSON") from None
        receipt = await run_in_threadpool(engine.self_reports.submit, body, client_of(request))
    except SafeguardingError as exc:
        return _json({"error": error_body(exc)}, status_for(exc), exc)
    return _json({"case_number": receipt.case_number, "pin": receipt.pin}, 201)


@router.get("/status")
async def status_form(request: Request) -> HTMLResponse:
    return _page(request, "status.html", {"case": None, "case_number": ""})


@router.post("/status")
async def status(
    request: Request,
    case_number: Annotated[str, Form(max_length=200)] = "",
    pin: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    engine = engine_of(request)
    return await _owner(
        request,
        case_number,
        pin,
        lambda: engine.self_reports.status(case_number, pin, client_of(request)),
    )


@router.post("/withdraw")
async def withdraw(
    request: Request,
    case_number: Annotated[str, Form(max_length=200)] = "",
    pin: Annotated[str, Form(max_length=200)] = "",
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> HTMLResponse:
    engine = engine_of(request)

    def work() -> Any:
        if confirm != "yes":
            raise InvalidInputError("confirm", "tick the box to say you want to withdraw")
        return engine.self_reports.withdraw(case_number, pin, client_of(request))

    return await _owner(request, case_number, pin, work)


async def _owner(request: Request, case_number: str, pin: str, work: Any) -> HTMLResponse:
    try:
        case = await run_in_threadpool(work)
    except SafeguardingError as exc:
        response = _page(
            request,
            "status.html",
            {"case": None, "case_number": case_number[:64], "error": _plain(exc)},
            status_for(exc),
        )
        if isinstance(exc, RateLimitedError):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    return _page(
        request,
        "status.html",
        {
            "case": case,
            "case_number": case_number,
            "pin": pin,
            "words": WORDS,
            "upload_url": engine_of(request).settings.self_report_upload_url,
            "retention": engine_of(request).self_reports.retention,
        },
    )


def _plain(exc: SafeguardingError) -> str:
    """The message without the field's name in front (the page shows the field)."""
    text = str(exc)
    if isinstance(exc, InvalidInputError) and text.startswith(f"{exc.field}: "):
        text = text[len(exc.field) + 2 :]
    return text[:1].upper() + text[1:]


def _same_origin(request: Request) -> None:
    origin = request.headers.get("origin")
    if origin is None:
        return
    parts = urlsplit(origin)
    if parts.netloc != request.headers.get("host", ""):
        raise InvalidInputError("origin", "reports are taken from this site's own pages only")


def _json(content: dict[str, Any], status: int, exc: Exception | None = None) -> JSONResponse:
    headers = dict(HEADERS)
    if isinstance(exc, RateLimitedError):
        headers["Retry-After"] = str(exc.retry_after)
    return JSONResponse(content, status_code=status, headers=headers)
