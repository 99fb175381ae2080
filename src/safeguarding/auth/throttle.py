"""Sign-in throttling that nobody can turn against a reviewer.

Failed sign-ins are counted in the database (table `login_throttles`), so the limits hold
across processes and restarts, under three kinds of key:

- a *known browser*, one that presents the cookie it was given when it last signed in to
  this account (OWASP's device cookies), is limited by its own failures only: what anyone
  tries elsewhere, on the account or from the reviewer's own address, cannot lock it out;
- any other browser is limited per client address (all accounts together) and per account
  (all addresses together), so neither one address nor many can guess for long.

A refused attempt is refused before the password is hashed and writes nothing, so a flood
costs one read per request and never holds the write lock. After `limit` failures within
`window` of the first, a key is refused for `window`. Refusals read the same whether the
account exists or not.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from safeguarding.auth.tables import LoginThrottleRow
from safeguarding.store.db import insert_for
from safeguarding.store.instance import BROWSER_KEY, instance_value, stored_value
from safeguarding.store.models import as_utc

#: a browser stays known to an account this long after it last signed in to it
BROWSER_DAYS = 180
REFUSED = "too many failed sign-ins: try again in {minutes} minutes, or ask an administrator"
ACCOUNT = "account:"
LOGIN_PREFIXES = ("address:", ACCOUNT, "browser:")


@dataclass(frozen=True)
class Attempt:
    """Who is trying, and so the keys their failures count under."""

    account: str
    address: str
    browser: str | None = None  # the key of a valid browser cookie for this account

    @property
    def keys(self) -> list[str]:
        if self.browser:
            return [self.browser]
        return [f"address:{self.address}", f"{ACCOUNT}{self.account}"]


class LoginThrottle:
    def __init__(
        self,
        *,
        max_failures: int,
        account_max_failures: int,
        window: timedelta,
        prefixes: tuple[str, ...] = LOGIN_PREFIXES,
    ) -> None:
        self.max_failures = max_failures
        #: the keys this throttle counts start with one of these: it forgets only its own
        self.prefixes = prefixes
        self.account_max_failures = account_max_failures
        self.window = window

    def attempt(self, session: Session, account: str, address: str, cookie: str | None) -> Attempt:
        return Attempt(account, address[:100], self._browser(session, account, cookie))

    def refused_until(self, session: Session, keys: list[str], now: datetime) -> datetime | None:
        """When the latest refusal among `keys` ends, if one is in force."""
        found = [
            as_utc(t)
            for t in session.scalars(
                select(LoginThrottleRow.blocked_until).where(LoginThrottleRow.key.in_(keys))
            )
        ]
        until = max((t for t in found if t is not None), default=None)
        return until if until is not None and until > now else None

    def failed(self, session: Session, attempt: Attempt, now: datetime) -> list[str]:
        """Count a failure under each of the attempt's keys; the keys it made refused."""
        self.forget_expired(session, now)
        refused = []
        for key in attempt.keys:
            limit = self.account_max_failures if key.startswith(ACCOUNT) else self.max_failures
            if self.count(session, key, limit, now):
                refused.append(key)
        return refused

    def count(self, session: Session, key: str, limit: int, now: datetime) -> bool:
        """Count one event under `key`; True when it reaches `limit` within the window,
        which refuses the key for the window (the self-report portal counts its guesses
        and submissions this way too)."""
        session.execute(
            insert_for(session)(LoginThrottleRow.__table__)
            .values(key=key, failures=0, window_started=now)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        row = session.scalars(
            select(LoginThrottleRow).where(LoginThrottleRow.key == key).with_for_update()
        ).one()
        if (as_utc(row.window_started) or now) + self.window <= now:
            row.failures, row.window_started = 0, now
        row.failures += 1
        if row.failures >= limit:
            row.blocked_until, row.failures = now + self.window, 0
            return True
        return False

    def forget_expired(self, session: Session, now: datetime) -> None:
        """Forget windows that are over and not refusing: guessed names and addresses would
        otherwise pile up without end."""
        session.execute(
            delete(LoginThrottleRow).where(
                LoginThrottleRow.window_started <= now - self.window,
                or_(
                    LoginThrottleRow.blocked_until.is_(None), LoginThrottleRow.blocked_until <= now
                ),
                or_(*(LoginThrottleRow.key.startswith(p, autoescape=True) for p in self.prefixes)),
            )
        )

    def succeeded(self, session: Session, attempt: Attempt) -> None:
        """Forget this browser's or this address's failures; not the account's, which may
        be someone else's."""
        mine = [key for key in attempt.keys if not key.startswith(ACCOUNT)]
        session.execute(delete(LoginThrottleRow).where(LoginThrottleRow.key.in_(mine)))

    def clear_account(self, session: Session, account: str) -> None:
        """An administrator lets the account's unknown browsers try again."""
        session.execute(
            delete(LoginThrottleRow).where(LoginThrottleRow.key == f"{ACCOUNT}{account}")
        )

    # --- browser cookies: `<issued>.<nonce>.<HMAC of account, issued and nonce>` ---------
    def browser_cookie(self, session: Session, account: str) -> str:
        """A cookie that makes this browser known to `account` (in a write transaction:
        the signing key is made on first use)."""
        issued, nonce = int(time.time()), secrets.token_hex(8)
        key = bytes.fromhex(instance_value(session, BROWSER_KEY))
        return f"{issued}.{nonce}.{_mac(key, account, issued, nonce)}"

    def _browser(self, session: Session, account: str, cookie: str | None) -> str | None:
        parts = (cookie or "").split(".")
        if len(cookie or "") > 200 or len(parts) != 3 or not parts[0].isdecimal():
            return None
        issued, nonce, mac = int(parts[0]), parts[1], parts[2]
        stored = stored_value(session, BROWSER_KEY)
        if stored is None or time.time() - issued > BROWSER_DAYS * 86400:
            return None
        expected = _mac(bytes.fromhex(stored), account, issued, nonce)
        if not hmac.compare_digest(expected.encode(), mac.encode("utf-8", "surrogateescape")):
            return None
        return "browser:" + hashlib.sha256(str(cookie).encode()).hexdigest()[:40]


def _mac(key: bytes, account: str, issued: int, nonce: str) -> str:
    return hmac.new(key, f"{account}.{issued}.{nonce}".encode(), "sha256").hexdigest()
