"""`safeguarding insights`: platform attribution of police records, and its evaluation."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from safeguarding.cli.common import EXIT_MATCHED, err, fail, out
from safeguarding.errors import InsightsError, InvalidInputError, MissingDependencyError
from safeguarding.insights import charts
from safeguarding.insights.attribution import (
    DOUBLE_COUNTING_NOTE,
    Attribution,
    Breakdown,
    check_dimensions,
)
from safeguarding.insights.evaluate import PRECISION_TARGET, RECALL_TARGET, Evaluation, evaluate
from safeguarding.insights.export import change_dict, to_json, write_csv
from safeguarding.insights.figures import format_percent, in_words
from safeguarding.insights.keywordset import (
    DEFAULT_KEYWORD_SET,
    KeywordSet,
    bundled_names,
    load_keyword_set,
)
from safeguarding.insights.matcher import Matcher
from safeguarding.insights.records import DEFAULT_ENCODING, Columns, RecordReader

app = typer.Typer(
    help="Research figures: which platforms police records name.", no_args_is_help=True
)
_COLUMNS = Columns()


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


RecordsArgument = Annotated[
    Path, typer.Argument(help="CSV with a header line, one row per recorded offence.")
]
KeywordsOption = Annotated[
    str, typer.Option("--keywords", help="A bundled keyword set by name, or a .toml file.")
]
ForceColumn = Annotated[str, typer.Option(help="The column naming the force.")]
YearColumn = Annotated[str, typer.Option(help="The column with the (financial) year.")]
TextColumn = Annotated[str, typer.Option(help="The column with the free text (MO, summary).")]
EncodingOption = Annotated[str, typer.Option(help="The file's encoding (ASCII-compatible).")]


def _keywords(name: str) -> KeywordSet:
    try:
        return load_keyword_set(name)
    except InsightsError as exc:
        fail(str(exc))


@app.command("attribute")
def attribute(
    records: RecordsArgument,
    keywords: KeywordsOption = DEFAULT_KEYWORD_SET,
    by: Annotated[str, typer.Option(help="Break down by force, year or force,year.")] = "",
    output: Annotated[Format, typer.Option("--format")] = Format.table,
    chart: Annotated[
        Path | None,
        typer.Option(help="Write the chart of shares per year here (PNG; the plot extra)."),
    ] = None,
    force_column: ForceColumn = _COLUMNS.force,
    year_column: YearColumn = _COLUMNS.year,
    text_column: TextColumn = _COLUMNS.text,
    encoding: EncodingOption = DEFAULT_ENCODING,
) -> None:
    """Count the records naming each platform, as shares of the records naming any, with
    Wilson 95% intervals, and the change from year to year over forces present in both."""
    keyword_set = _keywords(keywords)
    try:
        dimensions = check_dimensions(tuple(d.strip() for d in by.split(",") if d.strip()))
        if chart is not None:
            charts.require()
        attribution = Attribution(keyword_set).add_records(
            RecordReader(
                records, Columns(force_column, year_column, text_column), encoding=encoding
            )
        )
        breakdowns = attribution.breakdowns(dimensions)
        if chart is not None:
            err.print(f"wrote {charts.write_chart(attribution, chart)}")
    except (InsightsError, InvalidInputError, MissingDependencyError) as exc:
        fail(str(exc))
    if output is Format.json:
        sys.stdout.write(json.dumps(to_json(attribution, dimensions), indent=2) + "\n")
    elif output is Format.csv:
        write_csv(attribution, dimensions, sys.stdout)
    else:
        _print_attribution(attribution, breakdowns)


def _print_attribution(attribution: Attribution, breakdowns: list[Breakdown]) -> None:
    k = attribution.keywords
    out.print(f"keywords {k.name} {k.version} (sha256 {k.sha256[:12]})")
    for b in breakdowns:
        where = ", ".join(x for x in (b.force, b.year) if x) or "all records"
        out.print(f"\n{where}: {b.records:,} records, {b.naming_any:,} name a platform")
        for p in sorted(b.platforms, key=lambda p: -p.share.count):
            if p.share.count == 0:
                continue
            low, high = p.share.interval or (0.0, 0.0)
            out.print(
                f"  {p.label:<20} {p.share.count:>7,} {format_percent(p.share.percent()):>5}"
                f"  95% CI {100 * low:4.1f}-{100 * high:4.1f}%"
            )
        for g in b.groups:
            words = in_words(g.summed.count, g.summed.total)
            out.print(
                f"  {g.name} ({'+'.join(g.members)}): summed {g.summed.count:,} = "
                f"{format_percent(g.summed.percent(1))}{f' ({words})' if words else ''}; "
                f"records naming any {g.naming_any.count:,} = "
                f"{format_percent(g.naming_any.percent(1))}"
            )
    for change in attribution.changes():
        c = change_dict(change)
        out.print(
            f"\n{c['from']} -> {c['to']} over {len(c['forces'])} forces in both: "
            f"{c['records_before']:,} -> {c['records_after']:,} records ({c['change']})"
        )
    out.print(f"\n{DOUBLE_COUNTING_NOTE}")


@app.command("evaluate")
def evaluate_command(
    records: RecordsArgument,
    keywords: KeywordsOption = DEFAULT_KEYWORD_SET,
    truth_column: Annotated[
        str, typer.Option(help="The column with the true platforms, |-separated.")
    ] = "platforms",
    id_column: Annotated[
        str, typer.Option(help="The column naming each record (its line, where the file has none).")
    ] = "id",
    show_misses: Annotated[
        bool, typer.Option("--show-misses", help="Print each record found wrongly.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    force_column: ForceColumn = _COLUMNS.force,
    year_column: YearColumn = _COLUMNS.year,
    text_column: TextColumn = _COLUMNS.text,
    encoding: EncodingOption = DEFAULT_ENCODING,
) -> None:
    """Precision and recall per platform against a column of known platforms. Exit 1 when a
    platform the keyword set reports on misses a target."""
    keyword_set = _keywords(keywords)
    try:
        reader = RecordReader(
            records,
            Columns(force_column, year_column, text_column),
            extra=(truth_column,),
            encoding=encoding,
        )
        result = evaluate(
            reader, Matcher(keyword_set), truth_column=truth_column, id_column=id_column
        )
    except InsightsError as exc:
        fail(str(exc))
    if as_json:
        sys.stdout.write(json.dumps(_evaluation_dict(keyword_set, result), indent=2) + "\n")
    else:
        _print_evaluation(keyword_set, result, show_misses)
    raise typer.Exit(0 if result.targets_met else EXIT_MATCHED)


def _evaluation_dict(k: KeywordSet, e: Evaluation) -> dict[str, object]:
    return {
        "keywords": {"name": k.name, "version": k.version, "sha256": k.sha256},
        "records": e.records,
        "exact": e.exact,
        "targets_met": e.targets_met,
        "targets": {"precision": PRECISION_TARGET, "recall": RECALL_TARGET},
        "platforms": [
            {
                "platform": s.key,
                "reported": s.reported,
                "meets_targets": s.meets_targets,
                "precision": s.precision.as_dict(),
                "recall": s.recall.as_dict(),
            }
            for s in e.scores
        ],
        "misses": [
            {"line": m.line, "id": m.id, "expected": list(m.expected), "found": list(m.found)}
            for m in e.misses
        ],
    }


def _print_evaluation(k: KeywordSet, e: Evaluation, show_misses: bool) -> None:
    out.print(f"keywords {k.name} {k.version}: {e.records:,} records, {e.exact:,} exactly right")
    out.print(
        f"{'platform':<20} {'named':>6} {'found':>6} {'right':>6} {'precision':>10} "
        f"{'recall':>7}  recall 95% CI"
    )
    for s in e.scores:
        p, r = s.precision.share, s.recall.share
        low, high = s.recall.interval or (0.0, 0.0)
        mark = (
            ""
            if not s.reported
            else "  target met"
            if s.meets_targets
            else "  [red]TARGET MISSED[/red]"
        )
        out.print(
            f"{s.label:<20} {s.recall.total:>6} {s.precision.total:>6} "
            f"{s.recall.count:>6} {'-' if p is None else f'{p:.3f}':>10} "
            f"{'-' if r is None else f'{r:.3f}':>7}  {low:.3f}-{high:.3f}{mark}"
        )
    out.print(
        f"targets for the {len(k.reported)} reported platforms: precision >= "
        f"{PRECISION_TARGET}, recall >= {RECALL_TARGET}: "
        + ("met" if e.targets_met else "[red]missed[/red]")
    )
    if show_misses:
        for m in e.misses:
            out.print(
                f"line {m.line} (id {m.id}): named {'|'.join(m.expected) or '-'}, found "
                f"{'|'.join(m.found) or '-'}: {m.text!r}",
                markup=False,
            )


@app.command("keywords")
def keywords_command(
    name: Annotated[str | None, typer.Argument(help="Show this set's platforms.")] = None,
) -> None:
    """List the bundled keyword sets, or show one set's platforms and names."""
    if name is None:
        for bundled in bundled_names():
            k = _keywords(bundled)
            out.print(f"{k.name}\t{k.version}\t{len(k.platforms)} platforms\t{k.source}")
        return
    k = _keywords(name)
    out.print(f"{k.name} {k.version} ({k.source})\n{k.description}")
    for p in k.platforms:
        names = ", ".join(" ".join(n) for n in p.names)
        terms = ", ".join(" ".join(s) for t in p.terms for s in t.spellings)
        out.print(
            f"  {p.key:<10} {p.label:<20} {names}" + (f"; in context: {terms}" if terms else ""),
            markup=False,
        )
