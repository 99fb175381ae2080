"""The demo seed: once, then nothing new on each later run (`make run` twice mints no second
key), and a reset for whoever lost the first password or key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from safeguarding.demo import seed_demo
from safeguarding.engine import Engine
from tests.fakes.setup import Fakes, response_engine


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    instance = response_engine(sqlite_url, Fakes())
    yield instance
    instance.close()


def test_a_second_run_makes_nothing_new_and_a_reset_replaces(engine: Engine) -> None:
    first = seed_demo(engine, None)
    assert first.token and first.password
    assert engine.keys.authenticate(first.token, "admin").name == "demo"
    again = seed_demo(engine, None)
    assert again.token is None and again.password is None
    assert [k.name for k in engine.keys.list() if k.revoked_at is None] == ["demo"]
    reset = seed_demo(engine, None, reset=True)
    assert reset.token and reset.password and reset.password != first.password
    assert engine.users.authenticate("admin", reset.password).username == "admin"
    live = [k for k in engine.keys.list() if k.revoked_at is None]
    assert len(live) == 1 and engine.keys.authenticate(reset.token, "admin").name == "demo"
