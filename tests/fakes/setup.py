"""Engines wired to the fakes: NCMEC and NCA endpoints in process, a webhook receiver."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher

from safeguarding.auth.users import User
from safeguarding.banks.model import Action
from safeguarding.banks.policy import BankPolicy
from safeguarding.config import Settings
from safeguarding.engine import Engine
from tests.fakes.cybertipline import FakeCyberTipline
from tests.fakes.nca import FakeNca, Router

SECRET = "whsec-test-0123456789"
PASSWORD = "correct horse battery"
NCMEC_HOST = "cybertip.test"
NCA_HOST = "nca.test"
#: argon2 at its cheapest, for engines whose tests are not about hashing passwords or PINs
#: (a hash with the defaults is ~0.2 s of CPU); the `engine` fixture keeps the defaults
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@dataclass
class Fakes:
    ncmec: FakeCyberTipline = field(default_factory=FakeCyberTipline)
    nca: FakeNca = field(default_factory=FakeNca)

    def transport(self) -> Router:
        return Router({NCMEC_HOST: self.ncmec.transport(), NCA_HOST: self.nca.transport()})


def response_engine(
    db_url: str, fakes: Fakes, webhook_url: str | None = None, **overrides: Any
) -> Engine:
    values: dict[str, Any] = {
        "database_url": db_url,
        "index_refresh_seconds": 0.2,
        "webhook_url": webhook_url,
        "webhook_secret": SECRET if webhook_url else None,
        "report_authorities": ["ncmec", "nca"],
        "ncmec_url": f"https://{NCMEC_HOST}/ispws",
        "ncmec_username": "esp",
        "ncmec_password": "secret",
        "nca_url": f"https://{NCA_HOST}/reports",
        "nca_token": "nca-token",
        # tests sign in wrongly on purpose; tests/web/test_sign_in.py checks the wait
        "login_failure_delay_ms": 0,
    }
    settings = Settings(**{**values, **overrides})
    return Engine(settings, report_transport=fakes.transport(), password_hasher=CHEAP_HASHER)


def users(engine: Engine) -> tuple[User, User, User]:
    """A reviewer, a senior reviewer and an admin."""
    made = []
    for name, role in (("rita", "reviewer"), ("sam", "senior"), ("ada", "admin")):
        made.append(engine.users.create(name, PASSWORD, role, "test"))
    return made[0], made[1], made[2]


def bank_of(
    engine: Engine,
    images: list[bytes],
    name: str = "known",
    action: Action = Action.REVIEW,
    source: str = "local",
) -> None:
    engine.banks.create_bank(name, "test", source=source, policy=BankPolicy(action=action))
    engine.banks.add_hashes(
        name, [(engine.hash_for_bank(data), f"img{i}") for i, data in enumerate(images)], "test"
    )
    engine.matcher.refresh()
