"""Browser sessions for reviewers: a random cookie token (only its SHA-256 is stored), an
idle timeout and an absolute lifetime, and a per-session CSRF token for every form."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select

from safeguarding.audit.log import AuditLog
from safeguarding.auth.users import User, user_from_row
from safeguarding.errors import AuthError, ForbiddenError
from safeguarding.store.db import Database
from safeguarding.store.models import as_utc, utcnow
from safeguarding.store.response_models import UserRow, WebSessionRow


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class WebSession:
    id: int
    user: User
    csrf_token: str

    def check_csrf(self, submitted: str | None) -> None:
        if not submitted or not hmac.compare_digest(submitted, self.csrf_token):
            raise ForbiddenError("the form's security token is missing or out of date: "
                                 "reload the page and try again")


@dataclass(frozen=True)
class NewSession:
    session: WebSession
    token: str  # the cookie value; never stored


class WebSessions:
    def __init__(self, db: Database, audit: AuditLog, *, idle: timedelta = timedelta(
            minutes=30), lifetime: timedelta = timedelta(hours=12)) -> None:
        self.db = db
        self.audit = audit
        self.idle = idle
        self.lifetime = lifetime

    def start(self, user: User) -> NewSession:
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = utcnow()
        with self.db.write() as session:
            row = WebSessionRow(token_hash=_digest(token), user_id=user.id, csrf_token=csrf,
                                created_at=now, last_seen_at=now, expires_at=now + self.lifetime)
            session.add(row)
            session.flush()
            return NewSession(WebSession(row.id, user, csrf), token)

    def resume(self, token: str | None) -> WebSession:
        """The live session behind a cookie, its idle clock restarted; AuthError if none."""
        if not token or len(token) > 200:
            raise AuthError("please sign in")
        now = utcnow()
        with self.db.write() as session:
            row = session.scalars(select(WebSessionRow).where(
                WebSessionRow.token_hash == _digest(token))).first()
            if row is None:
                raise AuthError("please sign in")
            expires = min(as_utc(row.expires_at) or now, (as_utc(row.last_seen_at) or now)
                          + self.idle)
            user_row = session.get(UserRow, row.user_id)
            if expires <= now or user_row is None or not user_row.active:
                session.delete(row)
                session.commit()
                raise AuthError("your session has expired: please sign in again")
            row.last_seen_at = now
            return WebSession(row.id, user_from_row(user_row), row.csrf_token)

    def end(self, token: str | None) -> None:
        if not token:
            return
        with self.db.write() as session:
            session.execute(delete(WebSessionRow).where(
                WebSessionRow.token_hash == _digest(token)))

    def end_all(self, user_id: int) -> None:
        with self.db.write() as session:
            session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == user_id))
