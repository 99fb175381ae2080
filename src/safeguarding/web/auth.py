"""Sign in and out. Sign-in forms carry a CSRF token from a short-lived cookie (there is no
session yet); once signed in, every form carries the session's token."""

from __future__ import annotations

import asyncio
import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from safeguarding.auth.throttle import BROWSER_DAYS
from safeguarding.errors import AuthError
from safeguarding.shells import engine_of
from safeguarding.web.common import (
    BROWSER_COOKIE,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Reviewer,
    client_of,
    page,
)

router = APIRouter(include_in_schema=False)


def _safe_next(target: str) -> str:
    """Only our own paths: no open redirects."""
    return target if target.startswith("/") and not target.startswith("//") else "/queue"


@router.get("/login")
async def login_form(request: Request, next: str = "/queue") -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = page(request, "login.html", {"login_csrf": token, "next": _safe_next(next)})
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=1800,
        httponly=True,
        samesite="strict",
        secure=engine_of(request).settings.cookies_secure,
    )
    return response


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/queue",
) -> Response:
    engine = engine_of(request)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        await _failed(request)
        return page(
            request,
            "login.html",
            {
                "login_csrf": expected,
                "next": _safe_next(next),
                "error": "the form's security token is missing or out of date: reload the page",
            },
            status=403,
        )
    try:
        signed_in = await run_in_threadpool(
            lambda: engine.users.sign_in(
                username,
                password,
                source=client_of(request),
                browser=request.cookies.get(BROWSER_COOKIE),
            )
        )
    except AuthError as exc:
        await _failed(request)
        return page(
            request,
            "login.html",
            {"login_csrf": expected, "next": _safe_next(next), "error": str(exc)},
            status=401,
        )
    started = await run_in_threadpool(engine.sessions.start, signed_in.user)
    response = RedirectResponse(_safe_next(next), status_code=303)
    secure = engine.settings.cookies_secure
    response.set_cookie(
        SESSION_COOKIE, started.token, httponly=True, samesite="strict", secure=secure
    )
    response.set_cookie(
        BROWSER_COOKIE,
        signed_in.browser,
        max_age=BROWSER_DAYS * 86400,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=secure,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


async def _failed(request: Request) -> None:
    """Answer a failed sign-in late. A client waits for its answer before it tries again, so
    this bounds each connection to about one guess a second; a refusal costs the server a
    few milliseconds, and without the wait eight clients sent 126 a second and slowed every
    API writer (docs/benchmarks.md). The wait holds no thread and no lock."""
    await asyncio.sleep(engine_of(request).settings.login_failure_delay_ms / 1000)


@router.post("/logout")
async def logout(
    request: Request, session: Reviewer, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    session.check_csrf(csrf_token)
    engine = engine_of(request)
    # the cases they were holding go back to the queue now, not when their leases lapse
    await run_in_threadpool(engine.cases.leases.release_all, session.user)
    await run_in_threadpool(engine.sessions.end, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login?msg=signed+out", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
