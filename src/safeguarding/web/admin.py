"""Admin pages: reviewer accounts, banks, exchanges, API keys, the outbox, and the audit
chain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from safeguarding.auth.keys import Scope
from safeguarding.auth.sessions import WebSession
from safeguarding.auth.users import Role
from safeguarding.delivery.model import DeliveryStatus
from safeguarding.shells import RowId, engine_of
from safeguarding.web.common import Reviewer, act, page

router = APIRouter(prefix="/admin", include_in_schema=False)
Csrf = Annotated[str, Form()]


def _admin(session: WebSession) -> None:
    session.user.require(Role.ADMIN)


@router.get("")
async def admin_home(request: Request, session: Reviewer) -> Response:
    def work() -> Response:
        _admin(session)
        engine = engine_of(request)
        with engine.db.read() as db_session:
            chain = engine.audit.verify(db_session)
            events = engine.audit.recent(db_session, limit=50)
        return page(
            request,
            "admin.html",
            {
                "users": engine.users.list(),
                "banks": engine.banks.list_banks(),
                # status only: an Exchange holds its credentials' names, never their values
                "exchanges": engine.exchanges.list(),
                "keys": engine.keys.list(),
                "scopes": list(Scope),
                "roles": list(Role),
                "outbox": engine.outbox.counts(),
                "dead": engine.outbox.items(status=DeliveryStatus.DEAD, limit=20),
                "chain": chain,
                "events": events,
                "new_imagery": engine.imagery.describe(),
            },
            session=session,
        )

    return await act(request, session, work, check_csrf=False)


@router.post("/users")
async def create_user(
    request: Request,
    session: Reviewer,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1000)],
    role: Annotated[str, Form()],
    csrf_token: Csrf = "",
) -> Response:
    def work() -> Response:
        _admin(session)
        engine_of(request).users.create(username, password, role, session.user.actor)
        return RedirectResponse("/admin?msg=user+created", status_code=303)

    return await act(request, session, work, csrf_token)


@router.post("/users/{username}")
async def update_user(
    request: Request,
    session: Reviewer,
    username: str,
    role: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
    csrf_token: Csrf = "",
) -> Response:
    def work() -> Response:
        _admin(session)
        engine_of(request).users.update(
            username,
            session.user.actor,
            role=role or None,
            active={"yes": True, "no": False}.get(active),
        )
        return RedirectResponse("/admin?msg=user+updated", status_code=303)

    return await act(request, session, work, csrf_token)


@router.post("/banks/{name}")
async def toggle_bank(
    request: Request,
    session: Reviewer,
    name: str,
    enabled: Annotated[str, Form()],
    csrf_token: Csrf = "",
) -> Response:
    def work() -> Response:
        _admin(session)
        engine_of(request).banks.update_bank(name, session.user.actor, enabled=enabled == "yes")
        return RedirectResponse("/admin?msg=bank+updated", status_code=303)

    return await act(request, session, work, csrf_token)


@router.post("/keys")
async def create_key(
    request: Request,
    session: Reviewer,
    name: Annotated[str, Form(max_length=200)],
    scopes: Annotated[list[str], Form()],
    csrf_token: Csrf = "",
) -> Response:
    def work() -> Response:
        _admin(session)
        created = engine_of(request).keys.create(name, scopes, session.user.actor)
        # shown once, on the page this response renders; never stored in clear
        return page(request, "key_created.html", {"token": created.token}, session=session)

    return await act(request, session, work, csrf_token)


@router.post("/keys/{key_id}/revoke")
async def revoke_key(
    request: Request, session: Reviewer, key_id: str, csrf_token: Csrf = ""
) -> Response:
    def work() -> Response:
        _admin(session)
        engine_of(request).keys.revoke(key_id, session.user.actor)
        return RedirectResponse("/admin?msg=key+revoked", status_code=303)

    return await act(request, session, work, csrf_token)


@router.post("/outbox/{item_id}/retry")
async def retry(
    request: Request, session: Reviewer, item_id: RowId, csrf_token: Csrf = ""
) -> Response:
    def work() -> Response:
        _admin(session)
        engine_of(request).outbox.retry(item_id, session.user.actor)
        return RedirectResponse("/admin?msg=delivery+queued+again", status_code=303)

    return await act(request, session, work, csrf_token)
