"""`safeguarding insights report`: the platform transparency report (docs/insights.md)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from safeguarding.cli.common import engine, err, fail
from safeguarding.cli.insights import app
from safeguarding.errors import MissingDependencyError
from safeguarding.insights import pdf, report_chart
from safeguarding.insights.report_files import ReportFormat, render_bytes
from safeguarding.store.periods import Period


def _when(option: str, value: str) -> datetime:
    """A date (the day's start) or a date and time; without an offset, UTC."""
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        fail(f"{option}: not a date or time: {value!r} (e.g. 2026-11-01 or 2026-11-01T12:00Z)")
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


@app.command("report")
def report_command(
    ctx: typer.Context,
    start: Annotated[str, typer.Option("--from", help="The first day (or time), UTC.")],
    end: Annotated[str, typer.Option("--to", help="The day (or time) after the last, UTC.")],
    fmt: Annotated[ReportFormat, typer.Option("--format", help="Output format.")] = (
        ReportFormat.JSON
    ),
    by: Annotated[Period, typer.Option(help="Periods within the range.")] = Period.ALL,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    chart: Annotated[
        Path | None,
        typer.Option(help="Also write a chart of items checked and matched (PNG; plot extra)."),
    ] = None,
) -> None:
    """What the platform detected and did from --from to --to: matches per surface, source
    list and signal type, cases, decisions, times to action and report, reports per
    authority, false positives, conversation alerts and self-reports. Counts under the
    minimum cell size (`insights_min_cell`) are withheld, with any that would give one back."""
    since, until = _when("--from", start), _when("--to", end)
    if until <= since:
        fail("--to must be after --from")
    try:
        if fmt is ReportFormat.PDF:
            pdf.require()  # before the report is summed
        if chart is not None:
            report_chart.require()
        with engine(ctx) as e:
            report = e.transparency(since, until, by=by)
        data = render_bytes(report, fmt)
        if chart is not None:
            err.print(f"wrote {report_chart.write_report_chart(report, chart)}")
    except MissingDependencyError as exc:
        fail(f"{exc}" + (f", {pdf.FALLBACK}" if fmt is ReportFormat.PDF else ""))
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        try:
            output.write_bytes(data)
        except OSError as exc:
            fail(f"{output}: {exc.strerror or exc}")
