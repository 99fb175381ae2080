"""The attribution chart, as the NSPCC draws it: one horizontal bar per platform, its share
of the records that name any platform, largest first, one bar per year side by side, with
the Wilson 95% interval as a whisker. matplotlib is the `plot` extra, imported only here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from safeguarding.insights.attribution import DOUBLE_COUNTING_NOTE, Attribution, Breakdown
from safeguarding.plotting import pyplot

# More bars than this and the chart is unreadable; the rest are in the table.
MAX_PLATFORMS = 12


def _pyplot() -> Any:
    return pyplot("The attribution chart")


def require() -> None:
    """Fail now, before a long file is read, when the chart cannot be drawn."""
    _pyplot()


def write_chart(attribution: Attribution, path: Path, title: str | None = None) -> Path:
    """PNG (or any format matplotlib knows by the file's suffix) of the shares per year."""
    plt = _pyplot()
    series = [b for b in attribution.breakdowns(("year",)) if b.naming_any]
    if not series:
        series = attribution.breakdowns()
    latest = series[-1]
    order = sorted((p for p in latest.platforms if p.share.count), key=lambda p: -p.share.count)[
        :MAX_PLATFORMS
    ]
    height = 0.8 / len(series)
    figure, axes = plt.subplots(figsize=(7.5, 0.28 * max(1, len(order)) * len(series) + 1.6))
    if order:
        for s, breakdown in enumerate(series):
            _bars(axes, breakdown, order, s, height, len(series))
        axes.set_yticks(range(len(order)), [p.label for p in order])
        axes.invert_yaxis()
    else:
        axes.set_yticks([])
        axes.text(
            0.5,
            0.5,
            "no record names a platform",
            ha="center",
            va="center",
            transform=axes.transAxes,
        )
    axes.set_xlabel("share of records naming any platform (%)")
    axes.xaxis.grid(True, linewidth=0.5, alpha=0.5)
    axes.set_axisbelow(True)
    axes.spines[["top", "right"]].set_visible(False)
    k = attribution.keywords
    axes.set_title(title or "Platforms named in police records", loc="left", fontsize=11)
    if len(series) > 1 and order:
        axes.legend(loc="lower right", fontsize=8, frameon=False)
    figure.text(
        0.01,
        0.0,
        f"Keywords {k.name} {k.version}; whiskers: Wilson 95% interval.\n"
        + DOUBLE_COUNTING_NOTE.split(". ")[0]
        + ".",
        fontsize=7,
        ha="left",
        va="top",
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(figure)
    return path


def _bars(
    axes: Any, breakdown: Breakdown, order: list[Any], s: int, height: float, count: int
) -> None:
    shares = {p.key: p.share for p in breakdown.platforms}
    values, low, high = [], [], []
    for p in order:
        share = shares[p.key]
        value = 100 * (share.share or 0.0)
        lo, hi = share.interval or (0.0, 0.0)
        values.append(value)
        low.append(value - 100 * lo)
        high.append(100 * hi - value)
    offset = (s - (count - 1) / 2) * height
    positions = [i + offset for i in range(len(order))]
    label = f"{breakdown.year or 'all years'} (n={breakdown.naming_any:,})"
    bars = axes.barh(
        positions,
        values,
        height=height * 0.9,
        xerr=[low, high],
        error_kw={"elinewidth": 0.8, "capsize": 2, "ecolor": "#555555"},
        label=label,
        color=f"C{s}",
    )
    for bar, p, value, above in zip(bars, order, values, high, strict=True):
        axes.text(
            value + above + 0.4,
            bar.get_y() + bar.get_height() / 2,
            f"{shares[p.key].percent()}%",
            va="center",
            fontsize=7,
        )
