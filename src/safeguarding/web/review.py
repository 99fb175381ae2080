"""Start reviewing: a queue hands the reviewer its most urgent free case, held for them
(`CaseService.start`, a lease); after each decision or skip the next one opens, until the
queue is empty.

Where the reviewer is in a round travels in the case page's URL and forms
(`?queue=NAME&skipped=ID,ID`): the cases they skipped this round, so the next one is a
different case. Nothing about a round is stored but the leases and the audit trail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from safeguarding.cases import queues
from safeguarding.errors import InvalidInputError
from safeguarding.inputs import free_text
from safeguarding.shells import engine_of
from safeguarding.web.common import Reviewer, act

router = APIRouter(include_in_schema=False)

#: skipped cases remembered in one round; past it the oldest skips may come back
MAX_SKIPPED = 50
#: why a reviewer passes a case on: recorded with the release (audit)
SKIP_REASONS = (
    "I know someone involved",
    "In a language I cannot read",
    "I need a break from this kind of case",
    "It needs a specialist",
    "Other",
)


def parse_skipped(text: str) -> list[int]:
    """`3,17,40` from a URL or form; anything else in it is dropped, never an error (a
    hand-edited URL only loses its skips)."""
    found = []
    for part in text.split(",")[:MAX_SKIPPED]:
        if part.isascii() and part.isdigit() and len(part) < 19:
            found.append(int(part))
    return found


def round_query(queue: str, skipped: list[int], **extra: str) -> str:
    values = {
        "queue": queue,
        **({"skipped": ",".join(map(str, skipped[-MAX_SKIPPED:]))} if skipped else {}),
        **extra,
    }
    return urlencode(values)


def skip_reason(reason: str, detail: str) -> str:
    reason = free_text("reason", reason, 100)
    if not reason:
        raise InvalidInputError(
            "reason",
            "say why you skip the case (it goes to the audit "
            "trail, so a lead can see cases that keep being passed on)",
        )
    detail = free_text("detail", detail, 400)
    return f"{reason}: {detail}" if detail else reason


def waited(since: datetime | None, now: datetime) -> str:
    """How long a case has waited, as a person says it."""
    if since is None:
        return ""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"


def next_case(
    request: Request, session: Reviewer, queue: str, skipped: list[int], message: str
) -> Response:
    """Hold the queue's next case and open it; back to the queue page when none waits.
    Runs in the caller's thread (inside `act`)."""
    chosen = queues.named(queue)
    lease = engine_of(request).cases.start(chosen.name, session.user, exclude=skipped)
    if lease is None:
        done = (
            f"{message} Nothing else waits in {chosen.title}."
            if message
            else f"Nothing waits in {chosen.title}."
        )
        return RedirectResponse("/queue?" + urlencode({"msg": done.strip()}), status_code=303)
    extra = {"msg": message} if message else {}
    return RedirectResponse(
        f"/cases/{lease.case_id}?" + round_query(chosen.name, skipped, **extra), status_code=303
    )


@router.post("/review/{queue}")
async def start(
    request: Request,
    session: Reviewer,
    queue: Annotated[str, Path(max_length=40)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Start reviewing a queue: its most urgent free case, held for you."""
    return await act(
        request, session, lambda: next_case(request, session, queue, [], ""), csrf_token
    )
