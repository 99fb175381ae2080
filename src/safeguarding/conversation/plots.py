"""PNG curves for `safeguarding conversation eval --plot DIR`: precision-recall per category
(one line per source and pooled) and alert timing (messages between the first harm step and
the alert). matplotlib is the `plot` extra, imported only here."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from safeguarding.conversation.evaluate import CATEGORIES, POOLED, Scored
from safeguarding.conversation.metrics import pr_curve
from safeguarding.errors import MissingDependencyError


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only, never a window
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingDependencyError("matplotlib", "plot", "Plotting") from None
    return plt


def write_plots(results: Sequence[Scored], directory: Path) -> list[Path]:
    plt = _pyplot()
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    sources = [*dict.fromkeys(r.source for r in results), POOLED]
    for category in CATEGORIES:
        figure, axes = plt.subplots(figsize=(6, 4.5))
        for source in sources:
            part = [r for r in results if source in (POOLED, r.source)]
            pos = [r.score(category) for r in part if r.label == category]
            neg = [r.score(category) for r in part if r.label == "benign"]
            if not pos or not neg:
                continue
            recall, precision = pr_curve(pos, neg)
            axes.plot(recall, precision, label=source, linewidth=2.5 if source == POOLED else 1)
        axes.set(
            xlabel="recall",
            ylabel="precision",
            xlim=(0, 1.02),
            ylim=(0, 1.02),
            title=f"{category}: precision-recall against benign",
        )
        axes.legend(loc="lower left", fontsize=8)
        path = directory / f"pr_{category}.png"
        figure.savefig(path, dpi=100, bbox_inches="tight")
        plt.close(figure)
        written.append(path)
    figure, axes = plt.subplots(figsize=(6, 4.5))
    for category in CATEGORIES:
        delays = [
            r.first_alert_index - r.first_harm_index
            for r in results
            if r.label == category
            and r.first_alert_index is not None
            and r.first_harm_index is not None
        ]
        if delays:
            axes.hist(
                delays,
                bins=range(min(delays), max(delays) + 2),
                alpha=0.6,
                label=f"{category} ({len(delays)} alerted)",
            )
    axes.axvline(0, color="black", linewidth=1)
    axes.set(
        xlabel="alert index minus first harm step (negative: warned before)",
        ylabel="conversations",
        title="alert timing",
    )
    axes.legend(fontsize=8)
    path = directory / "alert_timing.png"
    figure.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(figure)
    written.append(path)
    return written
