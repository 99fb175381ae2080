"""Reviewer accounts: argon2id password hashes, roles, and sign-in limits (auth/throttle.py)."""

from __future__ import annotations

import math
import os
import re
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguarding.audit.events import Event
from safeguarding.audit.log import AuditLog
from safeguarding.auth.dummy import dummy_hash
from safeguarding.auth.tables import LoginThrottleRow, UserRow
from safeguarding.auth.throttle import ACCOUNT, REFUSED, Attempt, LoginThrottle
from safeguarding.errors import (
    AuthError,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from safeguarding.inputs import choice, has_control
from safeguarding.store.db import Database
from safeguarding.store.models import as_utc, utcnow

_USERNAME = re.compile(r"[a-z0-9][a-z0-9_.@-]{1,99}")
MIN_PASSWORD = 12
BUSY = "too many sign-ins at once: try again in a moment"
#: the nice value unknown browsers' passwords are hashed at (0 normal, 19 lowest)
UNKNOWN_NICE = 10


class Role(StrEnum):
    """Stored: never rename. A senior can do everything a reviewer can, an admin
    everything; `hotline` (trained hotline staff, who decide self-reports) stands beside
    senior: a reviewer's work and the hotline queue, not escalated cases."""

    REVIEWER = "reviewer"
    SENIOR = "senior"
    ADMIN = "admin"
    HOTLINE = "hotline"

    def at_least(self, other: Role) -> bool:
        """Whether this role may do what `other` may (not an order: hotline and senior
        each hold something the other does not)."""
        return other in _HOLDS[self]


_HOLDS = {
    Role.REVIEWER: {Role.REVIEWER},
    Role.SENIOR: {Role.REVIEWER, Role.SENIOR},
    Role.HOTLINE: {Role.REVIEWER, Role.HOTLINE},
    Role.ADMIN: set(Role),
}


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: Role
    active: bool
    #: until when browsers it has not signed in from are refused (too many failures)
    locked_until: datetime | None
    last_login_at: datetime | None

    @property
    def actor(self) -> str:
        return f"user:{self.username}"

    def require(self, role: Role) -> None:
        if not self.role.at_least(role):
            raise ForbiddenError(f"this needs the {role.value} role")


@dataclass(frozen=True)
class SignedIn:
    user: User
    #: the cookie that makes this browser known to the account (see auth/throttle.py)
    browser: str


def user_from_row(row: UserRow, locked_until: datetime | None = None) -> User:
    return User(row.id, row.username, Role(row.role), row.active, locked_until, row.last_login_at)


class Users:
    def __init__(
        self,
        db: Database,
        audit: AuditLog,
        throttle: LoginThrottle,
        *,
        hasher: PasswordHasher | None = None,
        busy_after: float = 2.0,
    ) -> None:
        self.db = db
        self.audit = audit
        self.throttle = throttle
        #: seconds an unknown browser waits for its turn to have its password hashed
        self.busy_after = busy_after
        self._unknown = ThreadPoolExecutor(
            1, thread_name_prefix="sign-in-unknown", initializer=_lower_priority
        )
        self._hasher = hasher or PasswordHasher()
        # verified against when the user does not exist, so timing does not tell
        self._dummy = dummy_hash(self._hasher, "not a password of anyone")

    def create(self, username: str, password: str, role: Role | str, actor: str) -> User:
        username = username.strip().lower()
        if not _USERNAME.fullmatch(username):
            raise InvalidInputError(
                "username", "2-100 lowercase letters, digits, '_', '.', '@', '-'"
            )
        self._check_password(password)
        role = choice("role", Role, role)
        with self.db.write() as session:
            if session.scalars(select(UserRow).where(UserRow.username == username)).first():
                raise ConflictError(f"user {username!r} already exists")
            row = UserRow(
                username=username,
                password_hash=self._hasher.hash(password),
                role=role.value,
                created_by=actor,
            )
            session.add(row)
            session.flush()
            self.audit.record(
                session, actor, Event.USER_CREATE, f"user:{username}", role=role.value
            )
            return user_from_row(row)

    def _check_password(self, password: str) -> None:
        if len(password) < MIN_PASSWORD or len(password) > 1000:
            raise InvalidInputError("password", f"needs {MIN_PASSWORD} to 1000 characters")

    def list(self) -> list[User]:
        now = utcnow()
        with self.db.read() as session:
            refused = {
                key.removeprefix(ACCOUNT): as_utc(until)
                for key, until in session.execute(
                    select(LoginThrottleRow.key, LoginThrottleRow.blocked_until).where(
                        LoginThrottleRow.key.startswith(ACCOUNT),
                        LoginThrottleRow.blocked_until > now,
                    )
                )
            }
            return [
                user_from_row(r, refused.get(r.username))
                for r in session.scalars(select(UserRow).order_by(UserRow.id))
            ]

    def get(self, user_id: int) -> User:
        with self.db.read() as session:
            row = session.get(UserRow, user_id)
            if row is None:
                raise NotFoundError(f"no user {user_id}")
            return user_from_row(row)

    def update(
        self,
        username: str,
        actor: str,
        *,
        role: Role | str | None = None,
        active: bool | None = None,
        password: str | None = None,
    ) -> User:
        if not _USERNAME.fullmatch(username):  # cannot exist
            raise NotFoundError(f"no user {username[:120]!r}")
        with self.db.write() as session:
            row = session.scalars(select(UserRow).where(UserRow.username == username)).first()
            if row is None:
                raise NotFoundError(f"no user {username!r}")
            changes: dict[str, object] = {}
            if role is not None:
                row.role = changes["role"] = choice("role", Role, role).value
            if active is not None:
                row.active = changes["active"] = active
            if password is not None:
                self._check_password(password)
                row.password_hash = self._hasher.hash(password)
                self.throttle.clear_account(session, username)
                changes["password_changed"] = True
            self.audit.record(session, actor, Event.USER_UPDATE, f"user:{username}", **changes)
            return user_from_row(row)

    def authenticate(
        self, username: str, password: str, *, source: str = "", browser: str | None = None
    ) -> User:
        """The user, or AuthError; see `sign_in`."""
        return self.sign_in(username, password, source=source, browser=browser).user

    def sign_in(
        self, username: str, password: str, *, source: str = "", browser: str | None = None
    ) -> SignedIn:
        """The user and a browser cookie, or AuthError, whose message never says whether the
        name exists. `source` is the client's address; `browser` the cookie the browser got
        at its last sign-in, if any. The password is hashed outside any transaction (argon2
        takes tens of milliseconds and SQLite has one writer); only the outcome is written,
        in a short transaction. A refused attempt is refused before hashing and writes
        nothing."""
        username = username.strip().lower()[:100]
        if has_control(username):  # no such account; PostgreSQL refuses NUL in a query
            raise AuthError("wrong username or password")
        now = utcnow()
        with self.db.read() as session:
            attempt = self.throttle.attempt(session, username, source, browser)
            until = self.throttle.refused_until(session, attempt.keys, now)
            row = session.scalars(select(UserRow).where(UserRow.username == username)).first()
            stored = row.password_hash if row is not None else None
            active = row is not None and row.active
        if until is not None:
            minutes = max(1, math.ceil((until - now).total_seconds() / 60))
            raise AuthError(REFUSED.format(minutes=minutes))
        verified = self._check(attempt, stored, password)
        reason = (
            "unknown user"
            if stored is None
            else "wrong password"
            if not verified
            else "disabled"
            if not active
            else None
        )
        with self.db.write() as session:
            signed_in = self._outcome(session, attempt, stored, password, now, reason)
        if signed_in is None:
            raise AuthError("wrong username or password")
        return signed_in

    def _outcome(
        self,
        session: Session,
        attempt: Attempt,
        stored: str | None,
        password: str,
        now: datetime,
        reason: str | None,
    ) -> SignedIn | None:
        target = f"user:{attempt.account}"
        if reason is None:
            row = session.scalars(
                select(UserRow).where(UserRow.username == attempt.account).with_for_update()
            ).first()
            if row is not None and row.active and row.password_hash == stored:
                row.last_login_at = now
                if self._hasher.check_needs_rehash(row.password_hash):
                    row.password_hash = self._hasher.hash(password)
                self.throttle.succeeded(session, attempt)
                self.audit.record(
                    session, target, Event.LOGIN_SUCCESS, target, source=attempt.address
                )
                return SignedIn(
                    user_from_row(row), self.throttle.browser_cookie(session, attempt.account)
                )
            reason = "changed meanwhile"
        details: dict[str, object] = {"reason": reason}
        refused = self.throttle.failed(session, attempt, now)
        if refused:
            details["refusing"] = refused  # these keys are refused for the window now
        self.audit.record(
            session, f"anonymous:{attempt.address}", Event.LOGIN_FAILURE, target, **details
        )
        return None

    def _check(self, attempt: Attempt, stored: str | None, password: str) -> bool:
        """Hash and compare. Browsers the account does not know take turns, one hash at a
        time in this process, on a thread of lower CPU priority (argon2's own threads inherit
        it): a flood of sign-ins, from however many clients and addresses, costs at most one
        hash's memory and yields the CPU to the API. One that waits over `busy_after` for
        its turn is told to try again, unhashed and unrecorded. Known browsers hash at once,
        at normal priority."""
        if attempt.browser is not None:
            return self._verify(stored or self._dummy, password) and stored is not None
        turn = self._unknown.submit(self._verify, stored or self._dummy, password)
        try:
            verified = turn.result(timeout=self.busy_after)
        except TimeoutError:
            if turn.cancel():
                raise AuthError(BUSY) from None
            verified = turn.result()  # its hash had begun: at most one hash's wait more
        return verified and stored is not None

    def close(self) -> None:
        self._unknown.shutdown(wait=False, cancel_futures=True)

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False


def _lower_priority() -> None:
    """Linux gives each thread its own nice value, and threads it starts inherit it; on
    other systems the call would lower the whole process, so they hash at normal
    priority."""
    if sys.platform == "linux":
        me = threading.get_native_id()
        # never raise it: a process started at a lower priority keeps its own
        os.setpriority(os.PRIO_PROCESS, me, max(os.getpriority(os.PRIO_PROCESS, me), UNKNOWN_NICE))
