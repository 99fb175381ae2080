"""The queue a page at a time, with its counts, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from safeguarding.cases import intake
from safeguarding.cases.model import Priority, Status, Subject
from safeguarding.engine import Engine
from safeguarding.errors import InvalidInputError
from tests.fakes.setup import Fakes, response_engine, users


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    instance = response_engine(db_url, Fakes())
    yield instance
    instance.close()


def test_every_open_case_is_on_exactly_one_page(engine: Engine) -> None:
    categories = ["other", "csam", "sextortion"]  # normal, high, urgent
    ids = [
        engine.cases.open(
            intake.from_user_report(categories[i % 3], "", Subject(f"c{i}")), "key:t"
        ).case.id
        for i in range(230)
    ]
    engine.cases.decide(ids[0], users(engine)[0], "confirm", "ok", version=1)
    pages = [engine.cases.queue(page=n, per_page=100) for n in (1, 2, 3, 4)]
    seen = [c.id for p in pages for c in p.cases]
    assert len(seen) == len(set(seen)) == 229  # more than the 200 shown before, none twice
    assert [len(p.cases) for p in pages] == [100, 100, 29, 0]
    first = pages[0]
    assert (first.total, first.pages, first.first, pages[2].first) == (229, 3, 1, 201)
    assert first.by_priority == {
        Priority.URGENT: 76,
        Priority.HIGH: 77,
        Priority.NORMAL: 76,
        Priority.LOW: 0,
    }
    assert first.by_status[Status.NEW] == 229 and first.by_status[Status.ACTIONED] == 1
    priorities = [c.priority for p in pages for c in p.cases]
    assert priorities == sorted(priorities)  # urgent first across pages
    with pytest.raises(InvalidInputError, match="per_page"):
        engine.cases.queue(per_page=201)
