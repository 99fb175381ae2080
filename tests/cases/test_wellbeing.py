"""Reviewer wellbeing on SQLite and PostgreSQL: viewing settings kept per reviewer with
protective defaults and clear errors, and reveals counted from the audit trail."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from safeguarding.cases import intake
from safeguarding.cases.model import Subject
from safeguarding.cases.wellbeing import RevealCounts, ViewingSettings
from safeguarding.demo import generated_image
from safeguarding.engine import Engine
from safeguarding.errors import ForbiddenError, InvalidInputError
from tests.cases.test_leases import Clock
from tests.fakes.setup import Fakes, response_engine, users


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    instance = response_engine(db_url, Fakes())
    yield instance
    instance.close()


def test_settings_default_to_protection_and_are_kept_per_reviewer(engine: Engine) -> None:
    rita, sam, _ = users(engine)
    wellbeing = engine.wellbeing
    assert wellbeing.settings(rita) == ViewingSettings(
        blur="strong", greyscale=True, size="medium", reblur_seconds=15
    )
    # "sound" was a setting once (video never plays now): given, it is ignored
    saved = wellbeing.save(
        rita,
        {"blur": "light", "size": "large", "reblur_seconds": "30", "greyscale": "", "sound": "on"},
    )
    assert wellbeing.settings(rita) == saved == ViewingSettings("light", False, "large", 30)
    assert wellbeing.settings(sam) == ViewingSettings()  # nobody else's changed
    for bad, field in (
        ({"blur": "none"}, "blur"),
        ({"size": "huge"}, "size"),
        ({"reblur_seconds": "1"}, "reblur_seconds"),
        ({"reblur_seconds": "²"}, "reblur_seconds"),
    ):
        with pytest.raises(InvalidInputError, match=field):
            wellbeing.save(rita, bad)
    assert wellbeing.settings(rita) == saved  # a refused change loses nothing


def test_reveals_are_counted_from_the_audit_trail(engine: Engine) -> None:
    rita, sam, _ = users(engine)
    case_id = engine.cases.open(intake.from_user_report("csam", "", Subject("c1")), "t").case.id
    preview = engine.previews.add(case_id, generated_image(1), "a.jpg", "t")
    for _ in range(3):
        engine.previews.render(case_id, preview, rita.actor, reveal=True)
    engine.previews.render(case_id, preview, sam.actor, reveal=False)  # a view
    wellbeing = engine.wellbeing
    assert wellbeing.reveals(rita) == RevealCounts(3, 3, 3)
    clock = Clock()
    wellbeing.clock = clock
    clock.advance(120)  # two hours on: the last hour is empty, the day is not
    assert wellbeing.reveals(rita) == RevealCounts(0, 3, 3)
    clock.advance(60 * 24 * 8)
    assert wellbeing.reveals(rita) == RevealCounts(0, 0, 0)
    clock.now = Clock().now
    team = wellbeing.team(sam, engine.users.list())
    assert team["rita"] == RevealCounts(3, 3, 3) and team["sam"] == RevealCounts(0, 0, 0)
    assert set(team) == {"rita", "sam", "ada"}
    with pytest.raises(ForbiddenError):
        wellbeing.team(rita, [])
