"""The transparency report's chart: items checked per period and surface (a time series),
and the shares of the items' outcomes and of matches per source list. Drawn only from the
report's tables after suppression, so a withheld count is a gap, never a value: the chart
can tell nothing the tables do not. matplotlib is the `plot` extra, imported only here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from safeguarding.insights.layout import Table
from safeguarding.insights.suppression import TOTAL
from safeguarding.insights.transparency import Report
from safeguarding.plotting import pyplot


def _pyplot() -> Any:
    return pyplot("The transparency report's chart")


def require() -> None:
    """Fail now, before the report is summed, when the chart cannot be drawn."""
    _pyplot()


def write_report_chart(report: Report, path: Path) -> Path:
    """PNG (or any format matplotlib knows by the file's suffix): items checked per period
    and surface, and the outcomes and matches per source list as shares."""
    plt = _pyplot()
    figure, (series, outcomes, banks) = plt.subplots(
        3, 1, figsize=(7.5, 8.5), gridspec_kw={"height_ratios": [3, 2, 2]}
    )
    _series(series, report.table("checked"))
    _shares(outcomes, report.table("outcomes"), "Outcomes of the items checked")
    _shares(banks, _transposed_totals(report.table("matched")), "Matches per source list")
    figure.text(
        0.01,
        0.0,
        f"{report.start.date()} to {report.end.date()} (UTC, end excluded). Counts from 1 to "
        f"{report.min_cell - 1} are withheld, with others that would give them back: gaps.",
        fontsize=7,
        ha="left",
        va="top",
    )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(figure)
    return path


def _series(axes: Any, checked: Table) -> None:
    periods = checked.rows
    for i, surface in enumerate(checked.columns):
        values = [checked.cells[(p, surface)] for p in periods]
        if all(v is None for v in values):
            continue
        axes.plot(
            range(len(periods)),
            [float("nan") if v is None else v for v in values],
            marker="o" if len(periods) < 40 else None,
            markersize=3,
            label=surface.replace("_", " "),
            color=f"C{i}",
        )
    step = max(1, len(periods) // 10)
    axes.set_xticks(range(0, len(periods), step), periods[::step], fontsize=7, rotation=30)
    axes.set_ylabel("items checked")
    axes.set_title("Items checked, per period and surface", loc="left", fontsize=11)
    axes.yaxis.grid(True, linewidth=0.5, alpha=0.5)
    axes.spines[["top", "right"]].set_visible(False)
    if axes.lines:
        axes.legend(fontsize=7, frameon=False, ncol=3)


def _transposed_totals(matched: Table) -> Table:
    """Matches per source list: the row totals of banks x signal types, as one column."""
    cells = {(TOTAL, r): matched.cells.get((r, TOTAL)) for r in matched.rows}
    cells[(TOTAL, TOTAL)] = matched.cells.get((TOTAL, TOTAL))
    return Table(matched.name, matched.title, [], matched.rows, cells)


def _shares(axes: Any, table: Table, title: str) -> None:
    """One horizontal bar per column: its total's share of the grand total, when both are
    shown; a withheld one is named with no bar."""
    whole = table.cells.get((TOTAL, TOTAL))
    labels, values = [], []
    for column in table.columns:
        part = table.cells.get((TOTAL, column))
        labels.append(column.replace("_", " "))
        values.append(None if part is None or not whole else 100 * part / whole)
    positions = range(len(labels))
    axes.barh(positions, [0.0 if v is None else v for v in values], color="C0", height=0.6)
    for y, value in zip(positions, values, strict=True):
        text = "withheld" if value is None else f"{value:.2f}%"
        axes.text((value or 0) + 0.5, y, text, va="center", fontsize=7)
    axes.set_yticks(list(positions), labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, 110)
    axes.set_xlabel("share (%)")
    axes.set_title(title, loc="left", fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
