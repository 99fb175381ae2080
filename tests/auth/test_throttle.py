"""Sign-in limits: per client address, per account and per known browser, in the database;
the password hashed outside any write transaction; refusals that give nothing away."""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
from typing import Literal

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from safeguarding.audit.tables import AuditEventRow
from safeguarding.auth.users import UNKNOWN_NICE, Users
from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.errors import AuthError

PASSWORD = "correct horse battery"
WRONG = "a wrong guess, again"


def _fast(kind: type[PasswordHasher] = PasswordHasher) -> PasswordHasher:
    """Cheap parameters: these tests count attempts, and make a few hundred."""
    return kind(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def users(engine: Engine) -> Users:
    made = Users(engine.db, engine.audit, engine.users.throttle, hasher=_fast())
    made.create("rita", PASSWORD, "reviewer", "test")
    return made


def _fail(
    users: Users,
    times: int,
    *,
    account: str = "rita",
    source: str = "198.51.100.1",
    browser: str | None = None,
) -> None:
    for _ in range(times):
        with pytest.raises(AuthError):
            users.authenticate(account, WRONG, source=source, browser=browser)


def test_one_address_is_refused_others_are_not(users: Users) -> None:
    _fail(users, 5)
    with pytest.raises(AuthError, match="too many failed sign-ins"):
        users.authenticate("rita", PASSWORD, source="198.51.100.1")  # even the right one
    assert users.authenticate("rita", PASSWORD, source="203.0.113.7").username == "rita"


def test_nobody_elsewhere_can_lock_a_reviewer_out(users: Users) -> None:
    known = users.sign_in("rita", PASSWORD, source="203.0.113.7").browser
    # guesses from many addresses: the account refuses browsers it does not know ...
    for n in range(20):
        _fail(users, 1, source=f"198.51.100.{n}")
    with pytest.raises(AuthError, match="too many failed sign-ins"):
        users.authenticate("rita", PASSWORD, source="192.0.2.1")
    # ... and the reviewer's own address is flooded too; her browser still signs in
    _fail(users, 5, source="203.0.113.7")
    with pytest.raises(AuthError, match="too many failed sign-ins"):
        users.authenticate("rita", PASSWORD, source="203.0.113.7")
    assert (
        users.authenticate("rita", PASSWORD, source="203.0.113.7", browser=known).username == "rita"
    )
    # a known browser has its own limit: guessing with it stops after five
    _fail(users, 5, source="203.0.113.7", browser=known)
    with pytest.raises(AuthError, match="too many failed sign-ins"):
        users.authenticate("rita", PASSWORD, source="203.0.113.7", browser=known)


def test_a_browser_cookie_is_for_its_own_account_only(users: Users) -> None:
    users.create("sam", PASSWORD, "reviewer", "test")
    cookie = users.sign_in("sam", PASSWORD, source="203.0.113.7").browser
    for n in range(20):
        _fail(users, 1, source=f"198.51.100.{n}")
    for forged in (cookie, cookie[:-1] + "0", "1.2.3", "x" * 300, None):
        with pytest.raises(AuthError, match="too many failed sign-ins"):
            users.authenticate("rita", PASSWORD, source="192.0.2.1", browser=forged)


def test_refusals_read_alike_for_names_that_do_not_exist(users: Users) -> None:
    messages = {}
    for account in ("rita", "nobody"):
        for n in range(20):
            _fail(users, 1, account=account, source=f"198.51.100.{n}")
        with pytest.raises(AuthError) as caught:
            users.authenticate(account, PASSWORD, source="192.0.2.1")
        messages[account] = str(caught.value)
    assert messages["rita"] == messages["nobody"]
    assert "too many failed sign-ins" in messages["rita"]


def test_limits_hold_across_processes(users: Users, engine: Engine) -> None:
    _fail(users, 5)
    other = Engine(Settings(database_url=engine.settings.database_url))
    try:
        with pytest.raises(AuthError, match="too many failed sign-ins"):
            other.users.authenticate("rita", PASSWORD, source="198.51.100.1")
    finally:
        other.close()


def test_a_refused_attempt_writes_nothing(users: Users, engine: Engine) -> None:
    _fail(users, 5)

    def events() -> int:
        with engine.db.read() as session:
            return int(session.scalar(select(func.count()).select_from(AuditEventRow)) or 0)

    before = events()
    _fail(users, 10)
    assert events() == before


def test_the_password_is_hashed_outside_the_write_lock(users: Users, engine: Engine) -> None:
    if engine.db.dialect != "sqlite":
        pytest.skip("SQLite's single write lock")
    path = engine.settings.database_url.removeprefix("sqlite:///")
    free_during_hash: list[bool] = []

    class Probe(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            # could another process write while the password is being hashed?
            probe = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
                free_during_hash.append(True)
            except sqlite3.OperationalError:
                free_during_hash.append(False)
            finally:
                probe.close()
            return super().verify(hash, password)

    probed = Users(engine.db, engine.audit, users.throttle, hasher=_fast(Probe))
    _fail(probed, 2)
    _fail(probed, 1, account="nobody")
    assert probed.authenticate("rita", PASSWORD, source="203.0.113.7").username == "rita"
    assert free_during_hash == [True] * 4


def test_administrators_see_and_lift_an_accounts_refusal(users: Users) -> None:
    for n in range(20):
        _fail(users, 1, source=f"198.51.100.{n}")
    rita = next(u for u in users.list() if u.username == "rita")
    assert rita.locked_until is not None
    users.update("rita", "user:ada", password="a new long password")
    assert next(u for u in users.list() if u.username == "rita").locked_until is None
    assert users.authenticate("rita", "a new long password", source="192.0.2.1")


def test_unknown_browsers_take_turns_at_hashing_known_ones_do_not(engine: Engine) -> None:
    """However many clients flood the form, one password hash at a time is theirs."""
    hashing, release = threading.Event(), threading.Event()

    class Held(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            if password == "hold":
                hashing.set()
                release.wait(30)
            return super().verify(hash, password)

    users = Users(
        engine.db, engine.audit, engine.users.throttle, hasher=_fast(Held), busy_after=0.3
    )
    users.create("rita", PASSWORD, "reviewer", "test")
    known = users.sign_in("rita", PASSWORD, source="203.0.113.7").browser
    outcome: list[str] = []

    def hold() -> None:  # a wrong password, hashed slowly
        try:
            users.authenticate("rita", "hold", source="198.51.100.1")
        except AuthError as exc:
            outcome.append(str(exc))

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert hashing.wait(30)
        with pytest.raises(AuthError, match="too many sign-ins at once"):
            users.authenticate("rita", PASSWORD, source="198.51.100.2")
        assert (
            users.authenticate("rita", PASSWORD, source="198.51.100.3", browser=known).username
            == "rita"
        )
    finally:
        release.set()
        holder.join(30)
    assert outcome == ["wrong username or password"]
    assert users.authenticate("rita", PASSWORD, source="198.51.100.2").username == "rita"


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread nice values are Linux's")
def test_unknown_browsers_are_hashed_at_lower_cpu_priority(engine: Engine) -> None:
    """A flood's hashing yields the CPU to the API; a known browser's hashes at once."""
    priority: dict[str, int] = {}

    class Noting(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            priority[str(password)] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
            return super().verify(hash, password)

    users = Users(engine.db, engine.audit, engine.users.throttle, hasher=_fast(Noting))
    try:
        users.create("rita", PASSWORD, "reviewer", "test")
        known = users.sign_in("rita", PASSWORD, source="203.0.113.7").browser
        with pytest.raises(AuthError):
            users.authenticate(
                "rita", "wrong, from a known browser", source="203.0.113.7", browser=known
            )
    finally:
        users.close()
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert priority == {PASSWORD: max(mine, UNKNOWN_NICE), "wrong, from a known browser": mine}
