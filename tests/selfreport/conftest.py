"""What the self-report tests share: an engine whose PINs hash at argon2id's cheapest cost,
and a member of staff for each role."""

from __future__ import annotations

from typing import Any

from argon2 import PasswordHasher

from safeguarding.auth.users import Role, User
from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.selfreport import SelfReports

#: argon2id still, at the cheapest cost: the default takes a busy machine 0.1-0.5 s a PIN
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
STAFF_PASSWORD = "a long password 1"


def self_report_engine(db_url: str, **settings: Any) -> Engine:
    config = Settings(database_url=db_url, **settings)
    engine = Engine(config)
    engine.self_reports = SelfReports(
        engine.db,
        engine.banks.store,
        engine.audit,
        config,
        cases=engine.cases,
        match=engine.match_signals,
        on_change=engine.matcher.mark_dirty,
        hasher=CHEAP,
    )
    return engine


def staff_of(engine: Engine) -> dict[str, User]:
    """One user of each role, named after it."""
    return {
        role.value: engine.users.create(f"{role.value}1", STAFF_PASSWORD, role, "test")
        for role in Role
    }
