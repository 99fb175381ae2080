"""Match counters on SQLite and PostgreSQL: what each match adds, per minute, bank, signal
type, surface and outcome; gathered per process and written with one upsert; bounded rows;
concurrent writers."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError

from safeguarding.banks.model import Action
from safeguarding.banks.policy import BankPolicy
from safeguarding.cases.model import Subject
from safeguarding.demo import generated_image
from safeguarding.engine import Engine
from safeguarding.errors import InvalidInputError
from safeguarding.insights.counters import MatchCounters, Surface, Tally, surface_of
from safeguarding.insights.tables import MatchCountRow
from safeguarding.matching import QuerySignal
from safeguarding.matching.result import Match, MatchResult
from safeguarding.server import create_app

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
MD5 = "0" * 32
EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def near(value: str, bits: int) -> str:
    return f"{int(value, 16) ^ ((1 << bits) - 1):064x}"


def upload(pdq: str = PDQ) -> list[QuerySignal]:
    return [QuerySignal("pdq", pdq, 100), QuerySignal("md5", MD5)]


def counts(engine: Engine, start: datetime = EVER[0], end: datetime = EVER[1]) -> Counter[Any]:
    with engine.db.read() as session:
        return Counter(
            {(b, t, s, o): n for b, t, s, o, n in engine.counters.totals(session, start, end)}
        )


@contextmanager
def counter_statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements that write the counters, as the database receives them."""
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "match_counts" in statement and statement.lstrip().upper().startswith("INSERT"):
            seen.append(statement)

    event.listen(engine.db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine.db.engine, "before_cursor_execute", note)


def test_an_item_counts_once_overall_per_signal_type_and_per_bank(engine: Engine) -> None:
    engine.banks.create_bank("reviewed", "t")
    engine.banks.create_bank("blocked", "t", policy=BankPolicy(action=Action.BLOCK))
    engine.banks.add_signals("reviewed", [("pdq", PDQ, 100)], "t")
    engine.banks.add_signals("blocked", [("pdq", near(PDQ, 4), 100)], "t")
    engine.match_signals(upload(), surface="message")  # both banks, through PDQ only
    engine.match_signals(upload(near(PDQ, 128)))  # nothing
    assert counts(engine) == {
        ("*", "*", "message", "block"): 1,
        ("*", "pdq", "message", "block"): 1,
        ("*", "md5", "message", "no_match"): 1,
        ("blocked", "pdq", "message", "block"): 1,
        ("reviewed", "pdq", "message", "review"): 1,
        ("*", "*", "unspecified", "no_match"): 1,
        ("*", "pdq", "unspecified", "no_match"): 1,
        ("*", "md5", "unspecified", "no_match"): 1,
    }


def test_a_do_not_match_entry_counts_as_suppressed(engine: Engine) -> None:
    engine.banks.create_bank("b", "t")
    engine.banks.add_signals("b", [("pdq", PDQ, 100)], "t")
    engine.banks.add_do_not_match("pdq", PDQ, "benign logo", "reviewer")
    assert not engine.match_signals(upload()).matched
    assert counts(engine) == {
        ("*", "*", "unspecified", "suppressed"): 1,
        ("*", "pdq", "unspecified", "suppressed"): 1,
        ("*", "md5", "unspecified", "no_match"): 1,
    }


@pytest.mark.parametrize(
    ("given", "counted"),
    [
        (None, Surface.UNSPECIFIED),
        ("message", Surface.MESSAGE),
        (" Public_Post ", Surface.PUBLIC_POST),
        ("profile_photo", Surface.PROFILE_PHOTO),
        ("guestbook", Surface.OTHER),
        ("DM", Surface.MESSAGE),  # as reports to NCMEC read it: a chat
        ("group_chat", Surface.MESSAGE),
        ("", Surface.OTHER),
    ],
)
def test_surfaces_are_a_closed_set(given: str | None, counted: Surface) -> None:
    assert surface_of(given) is counted


def test_minutes_are_utc_and_periods_are_half_open(engine: Engine) -> None:
    tally = Tally()
    result = MatchResult([])
    # 10:59:59 at UTC+1 is 09:59 UTC; naive times are UTC
    tally.add(
        result, ["md5"], at=datetime(2026, 3, 1, 10, 59, 59, tzinfo=timezone(timedelta(hours=1)))
    )
    tally.add(result, ["md5"], at=datetime(2026, 3, 1, 10, 0, 30))
    engine.counters.record(tally)
    nine, ten = datetime(2026, 3, 1, 9, tzinfo=UTC), datetime(2026, 3, 1, 10, tzinfo=UTC)
    hour = timedelta(hours=1)
    assert counts(engine, nine, ten)[("*", "*", "unspecified", "no_match")] == 1
    assert counts(engine, ten, ten + hour)[("*", "*", "unspecified", "no_match")] == 1
    assert (
        counts(engine, nine + timedelta(minutes=59), ten + timedelta(minutes=1))[
            ("*", "md5", "unspecified", "no_match")
        ]
        == 2
    )


def test_many_matches_make_at_most_the_bounded_rows(engine: Engine) -> None:
    """Counts add up in the rows of their key, however many items: here 60,000 items in
    3 minutes, 2 banks, 2 surfaces, written in 60 requests (bench/bench_transparency.py
    writes millions)."""
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    matched = MatchResult(
        [
            Match("a", 1, "pdq", 0, Action.REVIEW),
            Match("b", 2, "pdq", 3, Action.REPORT),
        ]
    )
    missed = MatchResult([])
    for request in range(60):
        tally = Tally()
        for item in range(1_000):
            at = start + timedelta(seconds=(request * 1_000 + item) % 180)
            surface = Surface.MESSAGE if item % 3 else Surface.STORY
            tally.add(matched if item % 10 == 0 else missed, ["pdq", "md5"], surface, at)
        engine.counters.record(tally)
    rows = counts(engine)
    assert sum(n for (b, t, _, _), n in rows.items() if b == t == "*") == 60_000
    assert sum(n for (b, *_), n in rows.items() if b == "a") == 6_000
    with engine.db.read() as session:
        stored = engine.counters.stored_rows(session)
    # minutes x (banks + *) x (types + *) x surfaces x outcomes; in fact far fewer are used
    assert stored <= 3 * 3 * 3 * 2 * 5
    # per minute and surface: */* and */pdq as report or no_match, */md5 no_match, a/pdq, b/pdq
    assert stored == 3 * 2 * 7


def test_concurrent_writers_lose_no_count(engine: Engine) -> None:
    """Eight threads upsert the same rows in shuffled order; the sorted upsert neither loses
    a count nor (on PostgreSQL) deadlocks."""
    at = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    results = [
        MatchResult([Match(bank, 1, "pdq", 0, Action.REVIEW)]) for bank in ("a", "b", "c", "d")
    ] + [MatchResult([])]
    failures: list[BaseException] = []

    def work(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(40):
                tally = Tally()
                for result in rng.sample(results, len(results)):
                    tally.add(result, ["pdq"], rng.choice([Surface.MESSAGE, Surface.STORY]), at)
                engine.counters.record(tally)
        except BaseException as exc:  # reported below, on the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    rows = counts(engine)
    assert sum(n for (b, t, _, _), n in rows.items() if b == t == "*") == 8 * 40 * 5
    for bank in "abcd":
        assert sum(n for (b, *_), n in rows.items() if b == bank) == 8 * 40


def test_one_counter_upsert_per_request(engine: Engine) -> None:
    """A batch of 50 items adds its counts at once (the process writes them with one
    statement); an item that opens a case is counted in the case's transaction instead, and
    only there."""
    engine.banks.create_bank("b", "t")
    engine.banks.add_signals("b", [("pdq", PDQ, 100)], "t")
    items: list[dict[str, Any]] = [
        {"signals": [{"type": "pdq", "value": near(PDQ, 100 + i % 50), "quality": 90}]}
        for i in range(50)
    ]
    items[7] = {"id": "post-7", "surface": "story", "signals": [{"type": "pdq", "value": PDQ}]}
    with TestClient(create_app(engine=engine)) as client:
        token = engine.keys.create("t", ["match"], "t").token
        with counter_statements(engine) as statements:
            answer = client.post(
                "/v1/match/signals",
                json={"items": items},
                headers={"Authorization": f"Bearer {token}"},
            )
            engine.counters.flush()  # what the process gathered, written as one statement
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"][7]["case"]["created"] is True
    assert len(statements) == 2  # the case's transaction, and the other 49 items'
    rows = counts(engine)
    assert rows[("*", "*", "unspecified", "no_match")] == 49
    assert rows[("*", "*", "story", "review")] == 1
    assert rows[("b", "pdq", "story", "review")] == 1


def test_a_case_and_its_count_commit_together(engine: Engine) -> None:
    """A match that opens a case writes its counts in that case's transaction: a case that
    could not be opened leaves no count either."""
    engine.banks.create_bank("b", "t")
    engine.banks.add_signals("b", [("pdq", PDQ, 100)], "t")
    with pytest.raises(InvalidInputError, match="subject"):
        engine.match_and_open(upload(), Subject())  # an empty subject: no case can open
    assert counts(engine) == {}
    _, opened = engine.match_and_open(upload(), Subject("post-1"))
    assert opened is not None and opened.created
    assert counts(engine)[("b", "pdq", "unspecified", "review")] == 1


def test_uploads_over_the_api_count_their_surface(engine: Engine) -> None:
    files = [("file", ("a.jpg", generated_image(3))), ("file", ("b.jpg", generated_image(4)))]
    with TestClient(create_app(engine=engine)) as client:
        token = engine.keys.create("t", ["match"], "t").token
        with counter_statements(engine) as statements:
            answer = client.post(
                "/v1/match",
                headers={"Authorization": f"Bearer {token}"},
                files=files,
                data={"surface": "profile_photo"},
            )
            engine.counters.flush()
    assert answer.status_code == 200, answer.text
    assert len(statements) == 1  # two files, one request
    rows = counts(engine)
    assert rows[("*", "*", "profile_photo", "no_match")] == 2
    assert {t for (b, t, _, _) in rows if b == "*"} == {"*", "pdq", "md5", "sha256"}


def test_franked_attachments_count_as_messages(engine: Engine) -> None:
    """A franked report's revealed attachments come from messages (Engine.match_content):
    counted under `message`, media and other bytes alike."""
    engine.match_content(generated_image(5))
    engine.match_content(b"not an image")
    rows = counts(engine)
    assert rows[("*", "*", "message", "no_match")] == 2
    assert {s for (_, _, s, _) in rows} == {"message"}


def stored_total(engine: Engine) -> int:
    """The counts in the table as it is (not through the counters, which write first)."""
    with engine.db.read() as session:
        return int(session.scalar(select(func.coalesce(func.sum(MatchCountRow.total), 0))) or 0)


def one_item() -> Tally:
    tally = Tally()
    tally.add(MatchResult([]), ["pdq"])
    return tally


def test_a_process_gathers_counts_and_writes_them_every_interval(engine: Engine) -> None:
    """`add` gathers (no write per request); a thread writes within `flush_seconds`; a read
    through the counters writes this process's first; `close` writes the rest."""
    counters = MatchCounters(engine.db, flush_seconds=60)
    for _ in range(3):
        counters.add(one_item())
    assert stored_total(engine) == 0
    with engine.db.read() as session:  # a read through the counters writes them first
        assert ("*", "*", "unspecified", "no_match", 3) in counters.totals(session, *EVER)
    counters.add(one_item())
    counters.close()
    assert stored_total(engine) == 2 * 4  # */* and */pdq per item
    counters.add(one_item())  # after close: written at once
    assert stored_total(engine) == 2 * 5

    ticking = MatchCounters(engine.db, flush_seconds=0.05)
    ticking.add(one_item())
    deadline = time.monotonic() + 5
    while stored_total(engine) < 2 * 6:
        assert time.monotonic() < deadline, "the thread did not write"
        time.sleep(0.02)
    ticking.close()


def test_counts_that_could_not_be_written_wait_for_the_next_write(engine: Engine) -> None:
    """A write that fails (here the table is briefly gone, as a database restarting would
    fail it) loses no count: the next one writes them."""
    counters = MatchCounters(engine.db, flush_seconds=60)
    counters.add(one_item())
    with engine.db.engine.begin() as conn:
        conn.execute(text("ALTER TABLE match_counts RENAME TO match_counts_away"))
    try:
        with pytest.raises(DBAPIError):
            counters.flush()
    finally:
        with engine.db.engine.begin() as conn:
            conn.execute(text("ALTER TABLE match_counts_away RENAME TO match_counts"))
    counters.add(one_item())
    counters.flush()
    assert stored_total(engine) == 2 * 2
    counters.close()
