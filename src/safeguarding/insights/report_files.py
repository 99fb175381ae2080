"""A transparency report as JSON, CSV, HTML or PDF. A withheld count is `null` in JSON, empty
with `suppressed` in CSV's `note`, and "<10" style text in HTML, never its value."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum

from markupsafe import Markup, escape

from safeguarding.insights import pdf
from safeguarding.insights.layout import Table
from safeguarding.insights.suppression import TOTAL
from safeguarding.insights.transparency import Report

_MEASURES = {"decision": "detection to decision", "report": "detection to report sent"}


class ReportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    HTML = "html"
    PDF = "pdf"  # the HTML page laid out by WeasyPrint (insights/pdf.py)


def render_bytes(report: Report, fmt: ReportFormat) -> bytes:
    """The report in any format, as the bytes of a file (text formats in UTF-8)."""
    if fmt is ReportFormat.PDF:
        return pdf.html_to_pdf(to_html(report))
    return render(report, fmt).encode("utf-8")


def render(report: Report, fmt: ReportFormat) -> str:
    """The report in a text format (PDF: `render_bytes`)."""
    if fmt is ReportFormat.PDF:
        raise ValueError("a PDF is bytes: render_bytes")
    if fmt is ReportFormat.JSON:
        return json.dumps(report.as_dict(), indent=2) + "\n"
    if fmt is ReportFormat.CSV:
        return to_csv(report)
    return to_html(report)


def to_csv(report: Report) -> str:
    """One line per figure: table, row, column, value, note (long format, so any table
    shape fits one file; a spreadsheet pivots it back)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["table", "row", "column", "value", "note"])
    for table in report.tables:
        for (row, column), value in table.cells.items():
            writer.writerow(
                [table.name, row, column, "" if value is None else value, _note(value, report)]
            )
    for (what, group), timing in sorted(report.timings.items()):
        for name in ("count", "median", "p90"):
            value = getattr(timing, name)
            writer.writerow(
                [
                    f"seconds_{what}",
                    group,
                    name,
                    "" if value is None else value,
                    _note(value, report),
                ]
            )
    rate = report.false_positive_rate
    if rate is not None:
        writer.writerow(["false_positive_rate", "match", "share", round(rate.share or 0, 6), ""])
    return out.getvalue()


def _note(value: object, report: Report) -> str:
    return "" if value is not None else f"suppressed (min cell {report.min_cell})"


def tables_html(report: Report) -> Markup:
    """The report's tables, timings and rate as HTML (a page puts it in its layout)."""
    parts = [
        Markup(
            "<p>From {} to {} (UTC, the end excluded); periods: {}. Counts from 1 to {} are "
            "withheld, and others with them where totals would give them back.</p>"
        ).format(
            report.start.isoformat(), report.end.isoformat(), report.by.value, report.min_cell - 1
        )
    ]
    parts += [_table(t) for t in report.tables]
    rows = [
        Markup("<tr><th scope='row'>{}: {}</th><td>{}</td><td>{}</td><td>{}</td></tr>").format(
            _MEASURES[what],
            group,
            _count(t.count),
            _duration(t.median),
            _duration(t.p90),
        )
        for (what, group), t in sorted(report.timings.items())
    ]
    parts.append(
        Markup(
            "<h2>Times</h2><table><thead><tr><th scope='col'>measure</th>"
            "<th scope='col'>cases</th><th scope='col'>median</th>"
            "<th scope='col'>90th percentile</th></tr></thead><tbody>{}</tbody></table>"
        ).format(Markup("").join(rows))
    )
    rate = report.false_positive_rate
    if rate is not None and rate.interval is not None:
        low, high = rate.interval
        parts.append(
            Markup(
                "<p>False positives among final decisions on match cases: {} of {} "
                "({:.1f}%, 95% interval {:.1f}-{:.1f}%).</p>"
            ).format(rate.count, rate.total, (rate.share or 0) * 100, low * 100, high * 100)
        )
    return Markup("\n").join(parts)


def _table(table: Table) -> Markup:
    columns = table.all_columns
    head = Markup("").join(Markup("<th scope='col'>{}</th>").format(c) for c in columns)
    body = Markup("").join(
        Markup("<tr><th scope='row'>{}</th>{}</tr>").format(
            row,
            Markup("").join(
                Markup("<td>{}</td>").format(_count(table.cells[(row, c)])) for c in columns
            ),
        )
        for row in [*table.rows, TOTAL]
    )
    # a wide table scrolls on its own on a narrow screen, reachable by keyboard
    return Markup(
        "<h2 id='{}'>{}</h2><div class='scroll' tabindex='0' role='region' aria-labelledby='{}'>"
        "<table><thead><tr><th></th>{}</tr></thead><tbody>{}</tbody></table></div>"
    ).format(table.name, table.title, table.name, head, body)


def _count(value: int | None) -> Markup:
    if value is None:
        return Markup(
            "<abbr title='withheld: a small count, or one that would give it back'>&ndash;</abbr>"
        )
    return escape(f"{value:,}")


def _duration(seconds: float | None) -> str | Markup:
    if seconds is None:
        return Markup("&ndash;")
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    if seconds < 172_800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def to_html(report: Report) -> str:
    """A standalone page (no scripts, no outside resources)."""
    return str(
        Markup(
            "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
            "<title>Transparency report {} to {}</title><style>"
            "body{{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}"
            "table{{border-collapse:collapse;margin:0 0 1.5rem}}"
            "th,td{{border:1px solid #999;padding:.2rem .5rem;text-align:right}}"
            "th[scope=row]{{text-align:left}}.scroll{{overflow-x:auto}}</style></head><body>"
            "<h1>Transparency report</h1>\n{}\n</body></html>\n"
        ).format(
            report.start.date().isoformat(), report.end.date().isoformat(), tables_html(report)
        )
    )
