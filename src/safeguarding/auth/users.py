"""Reviewer accounts: argon2id password hashes, roles, and lockout after failed logins."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguarding.audit.log import AuditLog
from safeguarding.errors import AuthError, ConflictError, ForbiddenError, NotFoundError
from safeguarding.inputs import has_control
from safeguarding.store.db import Database
from safeguarding.store.models import as_utc, utcnow
from safeguarding.store.response_models import UserRow

_USERNAME = re.compile(r"[a-z0-9][a-z0-9_.@-]{1,99}")
MIN_PASSWORD = 12


class Role(StrEnum):
    """Stored: never rename. Each role can do everything the ones before it can."""

    REVIEWER = "reviewer"
    SENIOR = "senior"
    ADMIN = "admin"

    def at_least(self, other: Role) -> bool:
        order = list(Role)
        return order.index(self) >= order.index(other)


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: Role
    active: bool
    locked_until: datetime | None
    last_login_at: datetime | None

    @property
    def actor(self) -> str:
        return f"user:{self.username}"

    def require(self, role: Role) -> None:
        if not self.role.at_least(role):
            raise ForbiddenError(f"this needs the {role.value} role")


def user_from_row(row: UserRow) -> User:
    return User(row.id, row.username, Role(row.role), row.active, row.locked_until,
                row.last_login_at)


class Users:
    def __init__(self, db: Database, audit: AuditLog, *, max_failures: int = 5,
                 lockout: timedelta = timedelta(minutes=15)) -> None:
        self.db = db
        self.audit = audit
        self.max_failures = max_failures
        self.lockout = lockout
        self._hasher = PasswordHasher()
        # verified against when the user does not exist, so timing does not tell
        self._dummy = self._hasher.hash("not a password of anyone")

    def create(self, username: str, password: str, role: Role | str, actor: str) -> User:
        username = username.strip().lower()
        if not _USERNAME.fullmatch(username):
            raise ValueError("a username is 2-100 lowercase letters, digits, '_', '.', '@', '-'")
        self._check_password(password)
        role = Role(role)
        with self.db.write() as session:
            if session.scalars(select(UserRow).where(UserRow.username == username)).first():
                raise ConflictError(f"user {username!r} already exists")
            row = UserRow(username=username, password_hash=self._hasher.hash(password),
                          role=role.value, created_by=actor)
            session.add(row)
            session.flush()
            self.audit.record(session, actor, "user.create", f"user:{username}",
                              role=role.value)
            return user_from_row(row)

    def _check_password(self, password: str) -> None:
        if len(password) < MIN_PASSWORD or len(password) > 1000:
            raise ValueError(f"a password needs {MIN_PASSWORD} to 1000 characters")

    def list(self) -> list[User]:
        with self.db.read() as session:
            return [user_from_row(r) for r in session.scalars(select(UserRow).order_by(UserRow.id))]

    def get(self, user_id: int) -> User:
        with self.db.read() as session:
            row = session.get(UserRow, user_id)
            if row is None:
                raise NotFoundError(f"no user {user_id}")
            return user_from_row(row)

    def update(self, username: str, actor: str, *, role: Role | str | None = None,
               active: bool | None = None, password: str | None = None) -> User:
        if not _USERNAME.fullmatch(username):  # cannot exist
            raise NotFoundError(f"no user {username[:120]!r}")
        with self.db.write() as session:
            row = session.scalars(select(UserRow).where(UserRow.username == username)).first()
            if row is None:
                raise NotFoundError(f"no user {username!r}")
            changes: dict[str, object] = {}
            if role is not None:
                row.role = changes["role"] = Role(role).value
            if active is not None:
                row.active = changes["active"] = active
            if password is not None:
                self._check_password(password)
                row.password_hash = self._hasher.hash(password)
                row.failed_logins, row.locked_until = 0, None
                changes["password_changed"] = True
            self.audit.record(session, actor, "user.update", f"user:{username}", **changes)
            return user_from_row(row)

    def authenticate(self, username: str, password: str, *, source: str = "") -> User:
        """The user, or AuthError. The message never says whether the name exists.
        A failure is committed (count, lockout, audit) before the error is raised."""
        username = username.strip().lower()[:100]
        if has_control(username):  # no such account; PostgreSQL refuses NUL in a query
            raise AuthError("wrong username or password")
        with self.db.write() as session:
            failure = self._attempt(session, username, password, source)
            row = session.scalars(select(UserRow).where(UserRow.username == username)).first()
            user = user_from_row(row) if row is not None and failure is None else None
        if failure is not None or user is None:
            raise AuthError(failure or "wrong username or password")
        return user

    def _attempt(self, session: Session, username: str, password: str, source: str
                 ) -> str | None:
        now = utcnow()
        anonymous = f"anonymous:{source}"
        row = session.scalars(select(UserRow).where(UserRow.username == username)
                              .with_for_update()).first()
        if row is None:
            self._verify(self._dummy, password)
            self.audit.record(session, anonymous, "login.failure", f"user:{username}",
                              reason="unknown user")
            return "wrong username or password"
        locked_until = as_utc(row.locked_until)
        if locked_until is not None and locked_until > now:
            self.audit.record(session, anonymous, "login.refused", f"user:{username}",
                              reason="locked")
            return ("too many failed attempts: this account is locked for a while; ask an "
                    "administrator if you need it sooner")
        if not self._verify(row.password_hash, password) or not row.active:
            row.failed_logins += 1
            details: dict[str, object] = {"failures": row.failed_logins}
            if row.failed_logins >= self.max_failures:
                row.locked_until = now + self.lockout
                row.failed_logins = 0
                details["locked_until"] = row.locked_until.isoformat()
            self.audit.record(session, anonymous, "login.failure", f"user:{username}",
                              **details)
            return "wrong username or password"
        row.failed_logins, row.locked_until, row.last_login_at = 0, None, now
        if self._hasher.check_needs_rehash(row.password_hash):
            row.password_hash = self._hasher.hash(password)
        self.audit.record(session, f"user:{username}", "login.success", f"user:{username}",
                          source=source)
        return None

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
