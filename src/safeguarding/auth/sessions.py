"""Browser sessions for reviewers: a random cookie token (only its SHA-256 is stored), an
idle timeout and an absolute lifetime, and a per-session CSRF token for every form."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from safeguarding.audit.log import AuditLog
from safeguarding.auth.tables import UserRow, WebSessionRow
from safeguarding.auth.users import User, user_from_row
from safeguarding.errors import AuthError, ForbiddenError
from safeguarding.store.db import Database
from safeguarding.store.models import as_utc, utcnow

#: a page view restarts the session's idle clock by writing at most this often
TOUCH_EVERY = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class WebSession:
    id: int
    user: User
    csrf_token: str
    #: when the reviewer signed in: the review pages prompt a break after a while
    started_at: datetime | None = None

    def check_csrf(self, submitted: str | None) -> None:
        if not submitted or not hmac.compare_digest(submitted, self.csrf_token):
            raise ForbiddenError(
                "the form's security token is missing or out of date: reload the page and try again"
            )


@dataclass(frozen=True)
class NewSession:
    session: WebSession
    token: str  # the cookie value; never stored


class WebSessions:
    def __init__(
        self,
        db: Database,
        audit: AuditLog,
        *,
        idle: timedelta = timedelta(minutes=30),
        lifetime: timedelta = timedelta(hours=12),
    ) -> None:
        self.db = db
        self.audit = audit
        self.idle = idle
        self.lifetime = lifetime

    def start(self, user: User) -> NewSession:
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = utcnow()
        with self.db.write() as session:
            row = WebSessionRow(
                token_hash=_digest(token),
                user_id=user.id,
                csrf_token=csrf,
                created_at=now,
                last_seen_at=now,
                expires_at=now + self.lifetime,
            )
            session.add(row)
            session.flush()
            return NewSession(WebSession(row.id, user, csrf, now), token)

    def resume(self, token: str | None) -> WebSession:
        """The live session behind a cookie, its idle clock restarted; AuthError if none.

        A page view reads; it writes only to restart the idle clock, at most once a
        `TOUCH_EVERY`, or to remove an expired session. (Writing on every view made each
        page a write transaction, queueing behind every other writer on SQLite.)"""
        if not token or len(token) > 200:
            raise AuthError("please sign in")
        now = utcnow()
        digest = _digest(token)
        with self.db.read() as session:
            row = session.scalars(
                select(WebSessionRow).where(WebSessionRow.token_hash == digest)
            ).first()
            if row is None:
                raise AuthError("please sign in")
            last_seen = as_utc(row.last_seen_at) or now
            expires = min(as_utc(row.expires_at) or now, last_seen + self.idle)
            user_row = session.get(UserRow, row.user_id)
            live = expires > now and user_row is not None and user_row.active
            found = (
                WebSession(row.id, user_from_row(user_row), row.csrf_token, as_utc(row.created_at))
                if live and user_row is not None
                else None
            )
        if found is None:
            with self.db.write() as session:
                session.execute(delete(WebSessionRow).where(WebSessionRow.token_hash == digest))
            raise AuthError("your session has expired: please sign in again")
        if now - last_seen >= TOUCH_EVERY:
            with self.db.write() as session:
                session.execute(
                    update(WebSessionRow)
                    .where(WebSessionRow.id == found.id)
                    .values(last_seen_at=now)
                )
        return found

    def end(self, token: str | None) -> None:
        if not token:
            return
        with self.db.write() as session:
            session.execute(delete(WebSessionRow).where(WebSessionRow.token_hash == _digest(token)))
