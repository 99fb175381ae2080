"""Reviewer accounts and browser sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from safeguarding.audit.events import Event
from safeguarding.auth.sessions import WebSessions
from safeguarding.engine import Engine
from safeguarding.errors import AuthError, ConflictError, ForbiddenError, InvalidInputError

PASSWORD = "correct horse battery"


def test_passwords_are_argon2_and_sign_in_works(engine: Engine) -> None:
    users = engine.users
    users.create("Rita", PASSWORD, "reviewer", "test")
    with engine.db.read() as session:
        stored = session.execute(
            __import__("sqlalchemy").text("SELECT password_hash FROM users")
        ).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert users.authenticate("rita", PASSWORD).username == "rita"
    with pytest.raises(ConflictError):
        users.create("rita", PASSWORD, "admin", "test")
    with pytest.raises(InvalidInputError, match="12"):
        users.create("bob", "short", "reviewer", "test")


def test_failures_are_audited_and_refusals_give_no_name_away(engine: Engine) -> None:
    users = engine.users
    users.create("rita", PASSWORD, "reviewer", "test")
    for _ in range(5):
        with pytest.raises(AuthError, match="wrong username or password"):
            users.authenticate("rita", "guess-guess-guess", source="198.51.100.1")
    with pytest.raises(AuthError, match="too many failed sign-ins"):
        users.authenticate("rita", PASSWORD, source="198.51.100.1")
    with pytest.raises(AuthError, match="wrong username or password"):
        users.authenticate("nobody", PASSWORD)  # same words: names are not disclosed
    with engine.db.read() as session:
        failures = engine.audit.recent(session, action=Event.LOGIN_FAILURE)
    assert len(failures) == 6


def test_sessions_expire_when_idle_and_check_csrf(engine: Engine) -> None:
    user = engine.users.create("rita", PASSWORD, "reviewer", "test")
    sessions = WebSessions(engine.db, engine.audit, idle=timedelta(seconds=-1))
    started = sessions.start(user)
    with pytest.raises(AuthError, match="expired"):
        sessions.resume(started.token)
    live = engine.sessions.start(user)
    resumed = engine.sessions.resume(live.token)
    with pytest.raises(ForbiddenError):
        resumed.check_csrf(None)
    with pytest.raises(ForbiddenError):
        resumed.check_csrf("forged")
    resumed.check_csrf(live.session.csrf_token)
    engine.sessions.end(live.token)
    with pytest.raises(AuthError):
        engine.sessions.resume(live.token)


def test_disabled_reviewers_lose_their_sessions(engine: Engine) -> None:
    user = engine.users.create("rita", PASSWORD, "reviewer", "test")
    live = engine.sessions.start(user)
    engine.users.update("rita", "user:ada", active=False)
    with pytest.raises(AuthError):
        engine.sessions.resume(live.token)
    with pytest.raises(AuthError):
        engine.users.authenticate("rita", PASSWORD)


def test_cli_users_create_refuses_a_short_password(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from safeguarding.cli.main import app

    runner = CliRunner()
    monkeypatch.setenv("SG_TEST_PW", "short")
    refused = runner.invoke(
        app,
        [
            "--db",
            engine.settings.database_url,
            "users",
            "create",
            "rita",
            "--password-env",
            "SG_TEST_PW",
        ],
    )
    assert refused.exit_code == 2 and "12" in refused.output
    monkeypatch.setenv("SG_TEST_PW", PASSWORD)
    made = runner.invoke(
        app,
        [
            "--db",
            engine.settings.database_url,
            "users",
            "create",
            "rita",
            "--role",
            "senior",
            "--password-env",
            "SG_TEST_PW",
        ],
    )
    assert made.exit_code == 0 and "created senior rita" in made.output
    assert [u.username for u in engine.users.list()] == ["rita"]
