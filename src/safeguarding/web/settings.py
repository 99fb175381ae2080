"""A reviewer's own settings: how evidence is shown to them, and their reveal counts; a
senior also sees every reviewer's counts (duty of care, not a target)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from safeguarding.auth.users import Role
from safeguarding.cases.wellbeing import BLURS, REBLUR_SECONDS, SIZES
from safeguarding.shells import engine_of
from safeguarding.web.common import Reviewer, act, page

router = APIRouter(include_in_schema=False)


@router.get("/settings")
async def settings_page(request: Request, session: Reviewer) -> Response:
    def work() -> Response:
        engine = engine_of(request)
        wellbeing = engine.wellbeing
        team = (
            wellbeing.team(session.user, engine.users.list())
            if session.user.role.at_least(Role.SENIOR)
            else {}
        )
        return page(
            request,
            "settings.html",
            {
                "counts": wellbeing.reveals(session.user),
                "team": team,
                "blurs": BLURS,
                "sizes": SIZES,
                "reblur_range": REBLUR_SECONDS,
                "limit": engine_of(request).settings.review_reveals_per_hour,
            },
            session=session,
        )

    return await act(request, session, work, check_csrf=False)


@router.post("/settings")
async def save(
    request: Request,
    session: Reviewer,
    csrf_token: Annotated[str, Form()] = "",
    blur: Annotated[str, Form(max_length=20)] = "",
    size: Annotated[str, Form(max_length=20)] = "",
    reblur_seconds: Annotated[str, Form(max_length=10)] = "",
    greyscale: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    def work() -> Response:
        # an unticked box is absent from the form: off
        engine_of(request).wellbeing.save(
            session.user,
            {"blur": blur, "size": size, "reblur_seconds": reblur_seconds, "greyscale": greyscale},
        )
        return RedirectResponse("/settings?msg=settings+saved", status_code=303)

    return await act(request, session, work, csrf_token)
