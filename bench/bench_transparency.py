"""Transparency report benchmark: a month of 10M match events (as counters) and 100k cases.

    python bench/bench_transparency.py                 # SQLite, a temporary file
    python bench/bench_transparency.py --postgres      # a throw-away PostgreSQL cluster
    python bench/bench_transparency.py --db URL        # a migrated database you name

Fills a fresh database with 30 days of match counters holding `--events` items checked
(spread over every minute, 4 surfaces, 3 signal types, 3 banks, outcomes as a platform would
see them: nearly all no match), `--cases` cases (match, conversation and user-report kinds,
three quarters decided, a fifth of those reported), conversation alerts, self-reports and
do-not-match entries, then times `Engine.transparency` for the month: all in one period,
and by day. The fill writes rows directly (plain inserts, as every key is new); only the report is
timed. Target: 30 s on each backend (issue 18).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sqlalchemy import insert, select

from common import describe
from safeguarding.audit import log as audit_log
from safeguarding.audit.events import Event
from safeguarding.banks.tables import BankEntryRow, BankRow, DoNotMatchRow
from safeguarding.cases.tables import CaseRow
from safeguarding.config import Settings
from safeguarding.conversation.tables import ConversationRow
from safeguarding.engine import Engine
from safeguarding.feeds.tables import FeedOutcomeRow
from safeguarding.insights.counters import ALL, Tally
from safeguarding.insights.tables import MatchCountRow
from safeguarding.reporting.tables import ReportRow
from safeguarding.selfreport.tables import SelfReportRow
from safeguarding.store.db import Database
from safeguarding.store.periods import Period

START = datetime(2026, 10, 1, tzinfo=UTC)
DAYS = 30
SURFACES = ("message", "public_post", "profile_photo", "story")
TYPES = ("pdq", "md5", "sha256")
BANKS = ("ncmec", "iwf", "confirmed")


def fill_counters(engine: Engine, events: int) -> int:
    """`events` items over every minute of the month; returns the rows written."""
    minutes = DAYS * 24 * 60
    per_minute, extra = divmod(events, minutes)
    rows = 0
    for day in range(DAYS):
        tally = Tally()
        counts: Counter[tuple[datetime, str, str, str, str]] = tally.counts
        for m in range(24 * 60):
            minute = START + timedelta(days=day, minutes=m)
            now = per_minute + (1 if day * 24 * 60 + m < extra else 0)
            for i, surface in enumerate(SURFACES):
                items = now // len(SURFACES) + (1 if i < now % len(SURFACES) else 0)
                if not items:
                    continue
                # about 0.2% match, and at least one a minute in 97 per surface
                matched = min(items, items // 500 + ((day * 1440 + m + i) % 97 == 0))
                counts[(minute, ALL, ALL, surface, "no_match")] += items - matched
                for kind in TYPES:
                    counts[(minute, ALL, kind, surface, "no_match")] += items - matched
                if matched:
                    counts[(minute, ALL, ALL, surface, "review")] += matched
                    counts[(minute, ALL, "pdq", surface, "review")] += matched
                    counts[(minute, BANKS[m % 3], "pdq", surface, "review")] += matched
        if day < 7:  # a rare surface: 7 items in the month, all matched (withheld)
            minute = START + timedelta(days=day, hours=12)
            for key in ((ALL, ALL), (ALL, "pdq"), ("iwf", "pdq")):
                counts[(minute, *key, "live_stream", "block")] += 1
        rows += len(counts)
        with engine.db.write() as session:  # new keys only: a plain insert, faster to fill
            session.execute(insert(MatchCountRow), tally.rows())
    return rows


def fill_cases(engine: Engine, cases: int, rng: random.Random) -> None:
    kinds = ["match"] * 6 + ["conversation"] * 2 + ["user_report"] * 2
    case_rows, report_rows = [], []
    for i in range(cases):
        created = START + timedelta(seconds=rng.randrange(DAYS * 86400))
        decided = created + timedelta(seconds=rng.expovariate(1 / 7200)) if i % 4 else None
        case_rows.append(
            {
                "id": i + 1,
                "kind": kinds[i % 10],
                "priority": 2,
                "status": "decided" if decided else "new",
                "summary": "",
                "labels": [],
                "version": 1,
                "content_id": f"c{i}",
                "decision": ("false_positive" if i % 13 == 0 else "confirm") if decided else None,
                "decided_at": decided,
                "due_at": created + timedelta(days=1),
                "created_at": created,
                "updated_at": decided or created,
            }
        )
        if decided and i % 5 == 0:
            submitted = decided + timedelta(seconds=rng.expovariate(1 / 3600))
            report_rows.append(
                {
                    "case_id": i + 1,
                    "authority": "ncmec" if i % 2 else "nca",
                    "status": "accepted" if i % 7 else "rejected",
                    "document": "",
                    "created_by": "bench",
                    "created_at": decided,
                    "submitted_at": submitted,
                }
            )
    with engine.db.write() as session:
        for start in range(0, len(case_rows), 10_000):
            session.execute(insert(CaseRow), case_rows[start : start + 10_000])
        for start in range(0, len(report_rows), 10_000):
            session.execute(insert(ReportRow), report_rows[start : start + 10_000])
        session.execute(
            insert(ConversationRow),
            [
                {
                    "id": f"conv{i}",
                    "state": {},
                    "messages": 10,
                    "alert": True,
                    "category": "grooming" if i % 3 else "sextortion",
                    "tier": ("nudge", "review", "urgent")[i % 3],
                    "alerted_at": START + timedelta(seconds=rng.randrange(DAYS * 86400)),
                }
                for i in range(cases // 20)
            ],
        )
        session.execute(
            insert(SelfReportRow),
            [
                {
                    "number_digest": f"{i:064x}",
                    "pin_hash": "x",
                    "submission_digest": f"{i + 10**9:064x}",
                    "category": "nude",
                    "status": "withdrawn" if i % 10 == 0 else "received",
                    "files": 1,
                    "created_at": START + timedelta(seconds=rng.randrange(DAYS * 86400)),
                    "updated_at": START + timedelta(seconds=rng.randrange(DAYS * 86400)),
                }
                for i in range(cases // 50)
            ],
        )
        session.execute(
            insert(DoNotMatchRow),
            [
                {
                    "signal_type": "pdq",
                    "value": f"{i:064x}",
                    "value_digest": f"{i:064x}",
                    "reason": "benign",
                    "added_by": "bench",
                    "added_at": START + timedelta(seconds=rng.randrange(DAYS * 86400)),
                }
                for i in range(cases // 100)
            ],
        )


def fill_follow_up(engine: Engine, cases: int) -> None:
    """Where undecided cases stand (some escalated, some held for more information, as the
    audit trail records the non-final decisions), and what subscribers of the self-report
    feed reported back: through the engine's own bank and audit APIs."""
    engine.banks.create_bank("self-report-approved", "bench")
    values = [f"{i:064x}" for i in range(1, 41)]
    engine.banks.add_signals("self-report-approved", [("pdq", v, None) for v in values], "bench")
    # the audit log stamps events with the current time; the demo month is in the past, so
    # its clock is set back while these are written (the chain hashes whatever time it gets)
    clock = iter(START + timedelta(days=10, minutes=m) for m in range(cases))
    real_clock = audit_log.utcnow  # type: ignore[attr-defined]
    audit_log.utcnow = lambda: next(clock)  # type: ignore[attr-defined]
    try:
        _fill_follow_up(engine, cases)
    finally:
        audit_log.utcnow = real_clock  # type: ignore[attr-defined]


def _fill_follow_up(engine: Engine, cases: int) -> None:
    with engine.db.write() as session:
        undecided = list(
            session.scalars(select(CaseRow).where(CaseRow.decision.is_(None)).order_by(CaseRow.id))
        )
        for n, row in enumerate(undecided[: cases // 20]):
            escalate = n % 3 == 0
            row.labels = ["escalated"] if escalate else []
            row.status = "new" if escalate else "in_review"
            engine.audit.record(
                session,
                "bench",
                Event.CASE_DECIDE,
                f"case:{row.id}",
                decision="escalate" if escalate else "needs_info",
                reason="bench",
            )
        bank = session.scalar(select(BankRow).where(BankRow.name == "self-report-approved"))
        assert bank is not None
        entries = session.scalars(select(BankEntryRow.id).where(BankEntryRow.bank_id == bank.id))
        session.execute(
            insert(FeedOutcomeRow),
            [
                {
                    "bank_id": bank.id,
                    "entry_id": entry,
                    "key_id": f"platform{k}",
                    "period": "2026-10-15",
                    "matched": 3 + (entry + k) % 5,
                    "removed": 3 + (entry + k) % 5 - (entry % 2),
                    "false_positive": 0,
                    "reported_at": START + timedelta(days=14),
                }
                for entry in entries
                for k in range(3)
            ],
        )


@contextmanager
def database(args: argparse.Namespace) -> Iterator[str]:
    if args.db:
        yield args.db
        return
    if args.postgres:
        from sqlalchemy import create_engine, text
        from tests.conftest import start_cluster

        cluster = start_cluster()
        server = next(cluster).url
        admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE bench"))
        admin.dispose()
        try:
            yield f"{server}/bench"
        finally:
            next(cluster, None)
        return
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{folder}/bench.db"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", help="a database URL (migrated here if it is empty)")
    parser.add_argument("--postgres", action="store_true", help="start a throw-away cluster")
    parser.add_argument(
        "--fill-only",
        action="store_true",
        help="fill --db and stop (scripts/insights-sample then runs the shipped command)",
    )
    args = parser.parse_args()
    print(describe(["safeguarding", "sqlalchemy", "numpy", "psycopg"]))
    with database(args) as url:
        db = Database(url)
        db.upgrade()
        db.dispose()
        engine = Engine(Settings(database_url=url))
        started = time.perf_counter()
        rows = fill_counters(engine, args.events)
        fill_cases(engine, args.cases, random.Random(18))
        fill_follow_up(engine, args.cases)
        print(
            f"{engine.db.dialect}: {args.events:,} match events in {rows:,} counter rows, "
            f"{args.cases:,} cases; filled in {time.perf_counter() - started:.0f} s"
        )
        if args.fill_only:
            engine.close()
            return
        end = START + timedelta(days=DAYS)
        for by in (Period.ALL, Period.DAY):
            started = time.perf_counter()
            report = engine.transparency(START, end, by=by)
            took = time.perf_counter() - started
            checked = report.table("checked").cells
            print(
                f"report by {by.value}: {took:.1f} s; items checked "
                f"{checked[('(total)', '(total)')]}, cases "
                f"{report.table('cases').cells[('(total)', '(total)')]}, "
                f"withheld {sum(v is None for t in report.tables for v in t.cells.values())}"
            )
        engine.close()


if __name__ == "__main__":
    main()
