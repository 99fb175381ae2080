"""What the self-report tests share: an engine whose passwords and PINs hash at argon2id's
cheapest cost, and a member of staff for each role."""

from __future__ import annotations

from typing import Any

from safeguarding.auth.users import Role, User
from safeguarding.config import Settings
from safeguarding.engine import Engine
from tests.fakes.setup import CHEAP_HASHER

STAFF_PASSWORD = "a long password 1"


def self_report_engine(db_url: str, **settings: Any) -> Engine:
    return Engine(Settings(database_url=db_url, **settings), password_hasher=CHEAP_HASHER)


def staff_of(engine: Engine) -> dict[str, User]:
    """One user of each role, named after it."""
    return {
        role.value: engine.users.create(f"{role.value}1", STAFF_PASSWORD, role, "test")
        for role in Role
    }
