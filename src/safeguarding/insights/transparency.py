"""The platform transparency report: what the platform detected and did in a range of time,
as tables of counts with small counts suppressed (docs/insights.md maps each table to the
items Ofcom's transparency notices and the DSA template ask for).

Every figure is summed by the database (the packages' `counts` modules and the match
counters); Python only arranges the few summed rows into tables, then `Disclosure` decides
which counts to withhold. A withheld count is None; a time is withheld when fewer than the
minimum cell size of cases stand behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from safeguarding.audit import counts as audit_counts
from safeguarding.banks import counts as bank_counts
from safeguarding.cases import counts as case_counts
from safeguarding.cases.model import CaseKind, Decision, Status
from safeguarding.conversation import counts as conversation_counts
from safeguarding.conversation.state import Tier
from safeguarding.feeds import counts as feed_counts
from safeguarding.insights.counters import ALL, MatchCounters, Outcome, Surface
from safeguarding.insights.intervals import Proportion
from safeguarding.insights.layout import Builder, Table, order
from safeguarding.reporting import counts as report_counts
from safeguarding.reporting.model import ReportStatus
from safeguarding.selfreport import counts as selfreport_counts
from safeguarding.store.periods import Period, utc


@dataclass(frozen=True)
class Timing:
    """Median and 90th percentile seconds over `count` cases; None when withheld."""

    count: int | None
    median: float | None
    p90: float | None


@dataclass
class Report:
    start: datetime
    end: datetime
    by: Period
    min_cell: int
    tables: list[Table] = field(default_factory=list)
    #: (what, group) -> timing: ("decision", kind) and ("report", authority)
    timings: dict[tuple[str, str], Timing] = field(default_factory=dict)
    #: false positives among match cases' final decisions (None when withheld)
    false_positive_rate: Proportion | None = None

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

    def as_dict(self) -> dict[str, Any]:
        rate = self.false_positive_rate
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "period": self.by.value,
            "min_cell": self.min_cell,
            "tables": [t.as_dict() for t in self.tables],
            "timings": [
                {"measure": what, "group": group, **vars(timing)}
                for (what, group), timing in sorted(self.timings.items())
            ],
            "false_positive_rate": rate.as_dict() if rate else None,
        }


def build(
    session: Session,
    counters: MatchCounters,
    start: datetime,
    end: datetime,
    *,
    by: Period = Period.ALL,
    min_cell: int = 10,
) -> Report:
    """The report for [start, end), its periods `by`, counts under `min_cell` withheld."""
    start, end = utc(start), utc(end)
    builder = Builder(min_cell)
    _matching(builder, counters.summed(session, start, end, by))
    _cases(builder, session, start, end, by)
    report = Report(start, end, by, min_cell, builder.tables())
    for kind, (n, median, p90) in case_counts.time_to_decision(session, start, end).items():
        report.timings[("decision", kind)] = _timing(n, median, p90, min_cell)
    for authority, (n, median, p90) in report_counts.time_to_report(session, start, end).items():
        report.timings[("report", authority)] = _timing(n, median, p90, min_cell)
    decisions = report.table("decisions")
    confirmed = decisions.cells.get((CaseKind.MATCH.value, Decision.CONFIRM.value))
    false = decisions.cells.get((CaseKind.MATCH.value, Decision.FALSE_POSITIVE.value))
    if confirmed is not None and false is not None and confirmed + false:
        report.false_positive_rate = Proportion(false, confirmed + false)
    return report


def _timing(n: int, median: float, p90: float, min_cell: int) -> Timing:
    if n < min_cell:
        return Timing(None, None, None)
    return Timing(n, round(median, 1), round(p90, 1))


def _matching(builder: Builder, summed: dict[tuple[str, str, str, str, str], int]) -> None:
    """Items checked per period and surface, their outcomes, content hashed per signal type,
    and matches per source list and signal type, from the match counters."""
    checked: dict[tuple[str, str], int] = {}
    outcomes: dict[tuple[str, str], int] = {}
    hashed: dict[tuple[str, str], int] = {}
    matched: dict[tuple[str, str], int] = {}
    for (period, bank, kind, surface, outcome), n in summed.items():
        if bank == ALL and kind == ALL:
            checked[(period, surface)] = checked.get((period, surface), 0) + n
            outcomes[(surface, outcome)] = outcomes.get((surface, outcome), 0) + n
        elif bank == ALL:
            hashed[(kind, surface)] = hashed.get((kind, surface), 0) + n
        else:
            matched[(bank, kind)] = matched.get((bank, kind), 0) + n
    surfaces = order({s for _, s in checked} | {s for _, s in hashed}, list(Surface))
    periods = sorted({p for p, _ in checked})
    # items per surface: the column totals of one table and the row totals of the next
    builder.table(
        "checked",
        "Items checked, per period and surface",
        periods,
        surfaces,
        checked,
        column_totals="items_by_surface",
    )
    builder.table(
        "outcomes",
        "Items checked, per surface and outcome",
        surfaces,
        order({o for _, o in outcomes}, list(Outcome)),
        outcomes,
        row_totals="items_by_surface",
    )
    builder.table(
        "hashed",
        "Content hashed, per signal type and surface (an item carries several types)",
        sorted({k for k, _ in hashed}),
        surfaces,
        hashed,
    )
    builder.table(
        "matched",
        "Matches, per source list (bank) and signal type",
        sorted({b for b, _ in matched}),
        sorted({k for _, k in matched}),
        matched,
    )


def _cases(builder: Builder, session: Session, start: datetime, end: datetime, by: Period) -> None:
    # a self-report opens a case of its own kind for the hotline: its submissions are
    # counted there, once (two copies of one count could be hidden in one, shown in the other)
    opened: dict[tuple[str, str], int] = {}
    standing: dict[tuple[str, str], int] = {}
    for (period, kind, where), n in case_counts.opened(session, start, end, by).items():
        opened[(period, kind)] = opened.get((period, kind), 0) + n
        standing[(kind, where)] = standing.get((kind, where), 0) + n
    kinds = order({k for _, k in opened}, list(CaseKind))
    # cases per kind: the column totals of one table and the row totals of the next
    builder.table(
        "cases",
        "Cases opened, per period and kind (self-reports: submissions)",
        sorted({p for p, _ in opened}),
        kinds,
        opened,
        column_totals="cases_by_kind",
    )
    builder.table(
        "standing",
        "Where the cases opened stand now, per kind (escalated and in review: non-final decisions)",
        kinds,
        list(case_counts.STANDINGS),
        standing,
        row_totals="cases_by_kind",
    )
    decided = case_counts.decided(session, start, end)
    decisions: dict[tuple[str, str], int] = {}
    statuses: dict[tuple[str, str], int] = {}
    for (kind, decision, status), n in decided.items():
        decisions[(kind, decision)] = decisions.get((kind, decision), 0) + n
        statuses[(decision, status)] = statuses.get((decision, status), 0) + n
    final = [d.value for d in Decision if d.final]
    builder.table(
        "decisions",
        "Final decisions, per case kind",
        order({k for k, _ in decisions}, list(CaseKind)),
        final,
        decisions,
        row_totals=None,
        column_totals="decisions_by_decision",
    )
    builder.table(
        "outcomes_of_decisions",
        "Where the cases decided stand now, per decision",
        final,
        order({s for _, s in statuses}, list(Status)),
        statuses,
        row_totals="decisions_by_decision",
    )
    made = audit_counts.decisions_made(session, start, end)
    non_final = [d.value for d in Decision if not d.final]
    builder.table(
        "non_final_decisions",
        "Non-final decisions made (a case escalated to a senior, or more information asked)",
        non_final,
        ["made"],
        {(d, "made"): n for d, n in made.items() if d in non_final},
    )
    sent = report_counts.sent(session, start, end)
    builder.table(
        "reports",
        "Reports sent to authorities, per authority and where each stands",
        sorted({a for a, _ in sent}),
        order({s for _, s in sent}, list(ReportStatus)),
        sent,
    )
    dnm = bank_counts.do_not_match_added(session, start, end)
    builder.table(
        "false_positives",
        "Do-not-match additions (reviewer-measured false positives), per signal type",
        sorted(dnm),
        ["added"],
        {(t, "added"): n for t, n in dnm.items()},
    )
    alerts = conversation_counts.alerts(session, start, end)
    builder.table(
        "alerts",
        "Conversation alerts, per tier and category",
        order({t for t, _ in alerts}, list(Tier)),
        sorted({c for _, c in alerts}),
        alerts,
    )
    # submissions are the cases table's self_report column
    withdrawn = {
        (p, what): n
        for (p, what), n in selfreport_counts.activity(session, start, end, by).items()
        if what == "withdrawn"
    }
    builder.table(
        "self_reports",
        "Self-reports withdrawn (their hashes left the bank), per period",
        sorted({p for p, _ in withdrawn}),
        ["withdrawn"],
        withdrawn,
    )
    reported = feed_counts.outcomes(session, start, end)
    builder.table(
        "feed_outcomes",
        "What subscribers to this instance's feeds reported back, per feed (for the "
        "self-report feed: removals of self-reported pictures elsewhere)",
        sorted({b for b, _ in reported}),
        list(feed_counts.MEASURES),
        reported,
        sum_rows=False,
    )
