"""The transparency report on SQLite and PostgreSQL: figures summed in SQL from the match
counters, cases, decisions, reports, do-not-match entries and self-reports; small counts
withheld with what would give them back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import literal, select, union_all

from safeguarding.banks.model import Action
from safeguarding.cases import intake
from safeguarding.cases.model import Subject
from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.errors import InvalidInputError
from safeguarding.feeds.outcomes import Outcome
from safeguarding.feeds.signing import FeedKey
from safeguarding.insights.counters import Surface, Tally
from safeguarding.insights.report_files import ReportFormat, render, render_bytes
from safeguarding.insights.suppression import TOTAL
from safeguarding.matching.result import Match, MatchResult
from safeguarding.store.periods import Period, percentiles
from tests.fakes.setup import users

DAY = datetime(2026, 3, 1, tzinfo=UTC)


def _count(engine: Engine, n: int, surface: Surface, result: MatchResult, at: datetime) -> None:
    tally = Tally()
    for _ in range(n):
        tally.add(result, ["pdq", "md5"], surface, at)
    engine.counters.record(tally)


def test_match_figures_come_from_the_counters_and_small_ones_are_withheld(
    engine: Engine,
) -> None:
    review = MatchResult([Match("known", 1, "pdq", 0, Action.REVIEW)])
    _count(engine, 40, Surface.MESSAGE, MatchResult([]), DAY + timedelta(hours=1))
    _count(engine, 25, Surface.STORY, review, DAY + timedelta(hours=2))
    _count(engine, 3, Surface.PUBLIC_POST, review, DAY + timedelta(hours=3))
    _count(engine, 500, Surface.MESSAGE, MatchResult([]), DAY - timedelta(minutes=1))  # before
    report = engine.transparency(DAY, DAY + timedelta(days=1))
    checked = report.table("checked")
    assert checked.cells[("all", "message")] == 40
    assert checked.cells[("all", "public_post")] is None  # 3
    shown = [v for t in report.tables for v in t.cells.values() if v is not None]
    assert not [v for v in shown if 0 < v < 10]
    # the row's total would give the 3 back from 40 and 25: something else is withheld
    row = [checked.cells[("all", s)] for s in ("message", "story", "public_post")]
    assert row.count(None) >= 2 or checked.cells[("all", TOTAL)] is None
    matched = report.table("matched")
    assert matched.rows == ["known"] and matched.columns == ["pdq"]
    assert report.table("hashed").cells[("md5", "message")] == 40


def test_periods_are_months_or_days(engine: Engine) -> None:
    _count(engine, 12, Surface.MESSAGE, MatchResult([]), datetime(2026, 1, 31, 23, 59, tzinfo=UTC))
    _count(engine, 15, Surface.MESSAGE, MatchResult([]), datetime(2026, 2, 1, 0, 0, tzinfo=UTC))
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)
    monthly = engine.transparency(start, end, by=Period.MONTH).table("checked")
    assert monthly.rows == ["2026-01", "2026-02"]
    assert [monthly.cells[(p, "message")] for p in monthly.rows] == [12, 15]
    daily = engine.transparency(start, end, by=Period.DAY).table("checked")
    assert daily.rows == ["2026-01-31", "2026-02-01"]


def test_cases_decisions_and_times(engine: Engine) -> None:
    reviewer, _, _ = users(engine)
    start = datetime.now(UTC) - timedelta(hours=1)
    for i in range(24):
        opened = engine.cases.open(intake.from_user_report("csam", "", Subject(f"c{i}")), "t")
        decision = "false_positive" if i < 11 else "confirm"
        engine.cases.decide(opened.case.id, reviewer, decision, "seen", version=opened.case.version)
    report = engine.transparency(start, start + timedelta(hours=2))
    cases = report.table("cases")
    assert cases.cells[("all", "user_report")] == 24
    decisions = report.table("decisions")
    assert decisions.cells[("user_report", "confirm")] == 13
    assert decisions.cells[("user_report", "false_positive")] == 11
    assert report.false_positive_rate is None  # no match cases
    timing = report.timings[("decision", "user_report")]
    assert timing.count == 24 and timing.median is not None and 0 <= timing.median < 600
    assert timing.p90 is not None and timing.p90 >= timing.median
    for fmt in ReportFormat:
        if fmt is ReportFormat.PDF:
            assert render_bytes(report, fmt).startswith(b"%PDF-")
        else:
            assert "user_report" in render(report, fmt)


def test_a_report_needs_its_end_after_its_start(engine: Engine) -> None:
    with pytest.raises(InvalidInputError, match="after"):
        engine.transparency(DAY, DAY)


@pytest.mark.parametrize(
    ("values_", "median", "p90"),
    [
        (list(range(1, 11)), 5, 9),  # ranks ceil(5) and ceil(9)
        (list(range(1, 12)), 6, 10),  # ceil(5.5) and ceil(9.9)
        ([7], 7, 7),
    ],
)
def test_percentiles_are_nearest_rank_in_sql(
    engine: Engine, values_: list[int], median: int, p90: int
) -> None:
    rows = union_all(
        *(select(literal(1).label("g"), literal(v).label("v")) for v in reversed(values_))
    ).subquery()
    with engine.db.read() as session:
        [(group, n, got_median, got_p90)] = session.execute(
            percentiles(select(rows.c.g, rows.c.v))
        ).all()
    assert (group, n, got_median, got_p90) == (1, len(values_), median, p90)


def test_where_cases_stand_and_non_final_decisions(engine: Engine) -> None:
    """Cases not yet decided are in the report too: escalated, held for more information,
    waiting; the non-final decisions made are counted from the audit trail."""
    reviewer, _, _ = users(engine)
    start = datetime.now(UTC) - timedelta(hours=1)
    for i in range(40):
        opened = engine.cases.open(intake.from_user_report("csam", "", Subject(f"s{i}")), "t")
        decision = "escalate" if i < 12 else "needs_info" if i < 23 else "confirm"
        if i < 33:
            engine.cases.decide(opened.case.id, reviewer, decision, "why", version=1)
    report = engine.transparency(start, start + timedelta(hours=2))
    standing = report.table("standing")
    assert standing.cells[("user_report", "escalated")] == 12
    assert standing.cells[("user_report", "in_review")] == 11  # asked for more information
    assert standing.cells[("user_report", "decided")] == 10
    assert standing.cells[("user_report", "awaiting_review")] is None  # 7: withheld
    # the kind's total is one count in both tables: withheld in one, withheld in the other
    total = standing.cells[("user_report", TOTAL)]
    assert total == report.table("cases").cells[(TOTAL, "user_report")]
    made = report.table("non_final_decisions")
    assert made.cells[("escalate", "made")] == 12
    assert made.cells[("needs_info", "made")] == 11


def test_subscribers_reported_removals_per_feed(db_url: str, tmp_path: Path) -> None:
    """What subscribers send back on a feed (self-reported pictures removed elsewhere) is
    counted per feed: matches, removals and false positives, each with its total, never
    added across (removals are among the matches)."""
    FeedKey.generate(tmp_path / "feed.pem")
    engine = Engine(Settings(database_url=db_url, feed_key_file=str(tmp_path / "feed.pem")))
    try:
        start = datetime.now(UTC) - timedelta(hours=1)
        values = [f"{i:02x}" * 32 for i in (0x11, 0x22)]
        engine.banks.create_bank("self-report-approved", "hotline")
        engine.banks.add_signals("self-report-approved", [("pdq", v, None) for v in values], "t")
        key = engine.keys.create("platform", ["feeds:read"], "admin").key
        engine.feeds.grant(key.key_id, "self-report-approved", "admin")
        engine.feeds.report_outcomes(
            "self-report-approved",
            "2026-11-30",
            [Outcome("pdq", values[0], 30, 25, 0), Outcome("pdq", values[1], 14, 12, 2)],
            key,
        )
        report = engine.transparency(start, start + timedelta(hours=2))
        table = report.table("feed_outcomes")
        assert table.cells[("self-report-approved", "matched")] == 44
        assert table.cells[("self-report-approved", "removed")] == 37
        assert table.cells[("self-report-approved", "false_positive")] is None  # 2
        assert ("self-report-approved", TOTAL) not in table.cells
        assert "removed" in render(report, ReportFormat.CSV)
    finally:
        engine.close()
