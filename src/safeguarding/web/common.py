"""What every page shares: templates, the signed-in reviewer, CSRF, security headers."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from safeguarding.auth.clients import Network, client_address, networks
from safeguarding.auth.sessions import WebSession
from safeguarding.auth.users import Role
from safeguarding.cases.wellbeing import ViewingSettings
from safeguarding.errors import AuthError, SafeguardingError
from safeguarding.shells import engine_of, status_for

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
SESSION_COOKIE = "sg_session"
LOGIN_CSRF_COOKIE = "sg_login_csrf"
#: makes a browser known to the account it signed in to (auth/throttle.py)
BROWSER_COOKIE = "sg_browser"
#: evidence pages are never cached, framed or given a referrer
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'",
}


def client_of(request: Request) -> str:
    """The client's address: the peer's, or X-Forwarded-For's from a trusted proxy."""
    trusted = _networks(tuple(engine_of(request).settings.trusted_proxies))
    return client_address(
        request.client.host if request.client else None,
        request.headers.getlist("x-forwarded-for"),
        trusted,
    )


@cache
def _networks(entries: tuple[str, ...]) -> list[Network]:
    return networks(entries)


async def signed_in(request: Request) -> WebSession:
    """The reviewer's session, or a redirect to the sign-in page."""
    engine = engine_of(request)

    def resume() -> WebSession:
        found = engine.sessions.resume(request.cookies.get(SESSION_COOKIE))
        # how this reviewer wants evidence shown, for every page they see
        request.state.viewing = engine.wellbeing.settings(found.user)
        return found

    try:
        return await run_in_threadpool(resume)
    except AuthError as exc:
        target = quote(request.url.path) if request.method == "GET" else "/"
        raise HTTPException(
            303, str(exc), headers={"Location": f"/login?next={target}&msg={quote(str(exc))}"}
        ) from None


Reviewer = Annotated[WebSession, Depends(signed_in)]


def page(
    request: Request,
    name: str,
    context: dict[str, Any],
    status: int = 200,
    session: WebSession | None = None,
) -> HTMLResponse:
    settings = engine_of(request).settings
    context = {
        "session": session,
        "user": session.user if session else None,
        "csrf": session.csrf_token if session else "",
        "Role": Role,
        "msg": request.query_params.get("msg", "")[:300],
        "viewing": getattr(request.state, "viewing", None) or ViewingSettings(),
        "break_minutes": settings.review_break_minutes,
        **context,
    }
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


def error_page(
    request: Request, exc: SafeguardingError, session: WebSession | None
) -> HTMLResponse:
    return page(request, "error.html", {"message": str(exc)}, status_for(exc), session)


async def act(
    request: Request,
    session: WebSession,
    work: Callable[[], Response],
    csrf: str | None = None,
    *,
    check_csrf: bool = True,
) -> Response:
    """Run a page's work off the event loop; CSRF-check forms; errors become pages."""
    try:
        if check_csrf:
            session.check_csrf(csrf)
        return await run_in_threadpool(work)
    except SafeguardingError as exc:
        return error_page(request, exc, session)
