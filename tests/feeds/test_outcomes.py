"""Outcomes subscribers report on a published feed (`POST /v1/feeds/{bank}/outcomes`), on
SQLite and PostgreSQL: only a key granted the feed reports, a retry for the same period
counts once, periods add up, hashes the feed does not list are counted and not recorded,
bad reports are refused whole, and `entry_outcomes` counts subscribers per entry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from safeguarding.audit.events import Event
from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.feeds.outcomes import MAX_OUTCOMES
from safeguarding.feeds.signing import FeedKey
from safeguarding.server import create_app

PDQS = [f"{i:02x}" * 32 for i in (0x11, 0x22, 0x33)]


@pytest.fixture
def engine(db_url: str, tmp_path: Path) -> Iterator[Engine]:
    FeedKey.generate(tmp_path / "feed.pem")
    instance = Engine(Settings(database_url=db_url, feed_key_file=str(tmp_path / "feed.pem")))
    instance.banks.create_bank("shared", "hotline")
    instance.banks.create_bank("selfreport", "hotline")
    instance.banks.add_signals("shared", [("pdq", v, None) for v in PDQS[:2]], "hotline")
    instance.banks.add_signals("selfreport", [("pdq", PDQS[2], None)], "hotline")
    yield instance
    instance.close()


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine=engine)) as test_client:
        yield test_client


def _subscriber(engine: Engine, name: str, bank: str = "shared") -> dict[str, str]:
    created = engine.keys.create(name, ["feeds:read"], "hotline-admin")
    engine.feeds.grant(created.key.key_id, bank, "hotline-admin")
    return {"Authorization": f"Bearer {created.token}"}


def _report(period: str, *outcomes: tuple[str, int, int, int]) -> dict[str, Any]:
    return {
        "period": period,
        "outcomes": [
            {"signal_type": "pdq", "value": v, "matched": m, "removed": r, "false_positive": f}
            for v, m, r, f in outcomes
        ],
    }


def _counts(engine: Engine) -> dict[str, tuple[int, ...]]:
    return {
        o.value: (
            o.subscribers_matched,
            o.subscribers_removed,
            o.subscribers_false_positive,
            o.matched,
            o.removed,
            o.false_positive,
        )
        for o in engine.feeds.entry_outcomes("shared")
    }


def test_retries_count_once_and_periods_add_up(engine: Engine, client: TestClient) -> None:
    one, two = _subscriber(engine, "platform-a"), _subscriber(engine, "platform-b")
    day = _report("2026-11-29", (PDQS[0], 3, 2, 1))
    # types and values as the subscriber spells them: read canonically
    day["outcomes"].append({"signal_type": "PDQ", "value": PDQS[1].upper(), "matched": 1})
    day["outcomes"][1]["removed"] = 1
    answer = client.post("/v1/feeds/shared/outcomes", json=day, headers=one)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"period": "2026-11-29", "accepted": 2, "unknown": 0}
    again = client.post("/v1/feeds/shared/outcomes", json=day, headers=one)  # a retry
    assert again.status_code == 200 and _counts(engine)[PDQS[0]] == (1, 1, 1, 3, 2, 1)
    client.post(
        "/v1/feeds/shared/outcomes", json=_report("2026-11-30", (PDQS[0], 1, 1, 0)), headers=one
    )
    client.post(
        "/v1/feeds/shared/outcomes", json=_report("2026-11-30", (PDQS[0], 2, 0, 2)), headers=two
    )
    assert _counts(engine) == {PDQS[0]: (2, 1, 2, 6, 3, 3), PDQS[1]: (1, 1, 0, 1, 1, 0)}
    # a corrected report for a period replaces the first
    client.post(
        "/v1/feeds/shared/outcomes", json=_report("2026-11-30", (PDQS[0], 2, 0, 0)), headers=two
    )
    assert _counts(engine)[PDQS[0]] == (2, 1, 1, 6, 3, 1)
    (only,) = engine.feeds.entry_outcomes("shared", [("pdq", PDQS[1])])
    assert (only.value, only.subscribers_matched, only.subscribers_removed) == (PDQS[1], 1, 1)
    assert engine.feeds.entry_outcomes("shared", [("pdq", PDQS[2])]) == []
    with engine.db.read() as session:
        events = engine.audit.recent(session, action=Event.FEED_OUTCOMES)
    assert len(events) == 5 and events[-1].details["accepted"] == 2
    assert PDQS[0] not in str(events[-1].details)  # counts, never the hashes


def test_hashes_the_feed_does_not_list_are_not_recorded(engine: Engine, client: TestClient) -> None:
    headers = _subscriber(engine, "platform-a")
    report = _report("r-1", (PDQS[0], 1, 1, 0), (PDQS[2], 1, 1, 0))  # PDQS[2]: another bank
    answer = client.post("/v1/feeds/shared/outcomes", json=report, headers=headers)
    assert answer.json() == {"period": "r-1", "accepted": 1, "unknown": 1}
    assert set(_counts(engine)) == {PDQS[0]}


def test_only_a_key_granted_the_feed_reports(engine: Engine, client: TestClient) -> None:
    _subscriber(engine, "platform-a")
    other = _subscriber(engine, "platform-b", bank="selfreport")
    report = _report("r-1", (PDQS[0], 1, 1, 0))
    for bank in ("shared", "no-such-bank"):
        answer = client.post(f"/v1/feeds/{bank}/outcomes", json=report, headers=other)
        assert answer.status_code == 403, answer.text
    matcher = engine.keys.create("m", ["match"], "t").token
    answer = client.post(
        "/v1/feeds/shared/outcomes", json=report, headers={"Authorization": f"Bearer {matcher}"}
    )
    assert answer.status_code == 403
    assert client.post("/v1/feeds/shared/outcomes", json=report).status_code == 401
    assert _counts(engine) == {}


@pytest.mark.parametrize(
    ("report", "says"),
    [
        (_report("r 1", (PDQS[0], 1, 1, 0)), "period"),
        (_report("", (PDQS[0], 1, 1, 0)), "period"),
        (_report("r-1", ("not-a-pdq", 1, 1, 0)), "outcomes[0]"),
        (_report("r-1", (PDQS[0], 1, 2, 0)), "cannot exceed matched"),
        (_report("r-1", (PDQS[0], -1, 0, 0)), "matched"),
        (_report("r-1", (PDQS[0], 1, 1, 0), (PDQS[0], 1, 1, 0)), "the same hash twice"),
        (_report("r-1"), "outcomes"),
        (_report("r-1", *[(PDQS[0], 1, 1, 0)] * (MAX_OUTCOMES + 1)), "outcomes"),
        ({**_report("r-1", (PDQS[0], 1, 1, 0)), "content_id": "post-1"}, "content_id"),
    ],
)
def test_a_bad_report_is_refused_whole(
    engine: Engine, client: TestClient, report: dict[str, Any], says: str
) -> None:
    headers = _subscriber(engine, "platform-a")
    good = _report("r-0", (PDQS[1], 1, 1, 0))
    assert client.post("/v1/feeds/shared/outcomes", json=good, headers=headers).status_code == 200
    answer = client.post("/v1/feeds/shared/outcomes", json=report, headers=headers)
    assert answer.status_code == 422, answer.text
    assert says in answer.text
    assert set(_counts(engine)) == {PDQS[1]}  # nothing of the bad report, nothing lost
