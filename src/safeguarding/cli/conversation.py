"""`safeguarding conversation`: score conversation files, evaluate on a labelled set."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, TextIO, get_args

import typer
from rich.progress import TextColumn, TimeElapsedColumn
from rich.text import Text

from safeguarding.cli.common import (
    EXIT_ERROR,
    EXIT_MATCHED,
    EXIT_OK,
    engine,
    err,
    fail,
    out,
    progress_bar,
    settings,
)
from safeguarding.conversation.analyzer import Assessment, ConversationAnalyzer, Limits
from safeguarding.conversation.evaluate import POOLED, headline, report, score_labelled
from safeguarding.conversation.io import Conversation, parse_conversation
from safeguarding.conversation.labelled import read_sources
from safeguarding.conversation.loader import ModelChoice, load_detector, load_embedder
from safeguarding.conversation.plots import write_plots
from safeguarding.conversation.pool import WORKERS, fork_imap
from safeguarding.conversation.training.budget import MOMENT_AFTER_NUDGE
from safeguarding.conversation.training.environment import (
    PINNED,
    describe,
    pinnable,
    pinned,
    pinned_environ,
)
from safeguarding.conversation.training.recheck import RECHECK_FOLDS
from safeguarding.errors import ConversationError, SafeguardingError

app = typer.Typer(
    help="Conversation safety: grooming and sextortion in chats.", no_args_is_help=True
)
# Conversations embedded together: big enough for full model batches, small enough that a
# file of any length streams.
CHUNK_MESSAGES = 2000

ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model",
        help="auto, use (the multilingual sentence encoder) or none (lexical "
        "features only); "
        "default: SAFEGUARDING_CONVERSATION_MODEL.",
    ),
]


def _analyzer(ctx: typer.Context, model: str | None) -> ConversationAnalyzer:
    s = settings(ctx)
    choice = model or s.conversation_model
    if choice not in get_args(ModelChoice):
        raise typer.BadParameter(f"unknown model {choice!r}", param_hint="--model")
    chosen: ModelChoice = choice  # type: ignore[assignment]
    return ConversationAnalyzer(load_detector(chosen), Limits.from_settings(s))


def _lines(stream: TextIO) -> Iterator[tuple[int, Conversation | str]]:
    """(line number, parsed conversation or the reason it could not be parsed)."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            parsed = json.loads(line)
        except json.JSONDecodeError as exc:  # a CSV, a log, a pretty-printed JSON file
            yield (
                number,
                (
                    f"line {number}: not JSON ({exc.msg} at column {exc.colno}); "
                    "conversations are JSON Lines, one JSON object per line"
                ),
            )
            continue
        try:
            yield number, parse_conversation(parsed)
        except SafeguardingError as exc:
            yield number, f"line {number}: {exc}"


def _chunks(stream: TextIO) -> Iterator[list[tuple[int, Conversation | str]]]:
    chunk: list[tuple[int, Conversation | str]] = []
    size = 0
    for item in _lines(stream):
        chunk.append(item)
        size += len(item[1].messages) if isinstance(item[1], Conversation) else 1
        if size >= CHUNK_MESSAGES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _score_chunk(
    analyzer: ConversationAnalyzer, chunk: list[tuple[int, Conversation | str]]
) -> Iterator[dict[str, Any]]:
    good = [(n, c) for n, c in chunk if isinstance(c, Conversation)]
    try:
        scored: dict[int, Assessment | str] = dict(
            zip(
                (n for n, _ in good),
                analyzer.score_many([(c.id, c.messages, c.participants) for _, c in good]),
                strict=True,
            )
        )
    except ConversationError:
        # One bad conversation in the chunk: score them one by one to name it.
        scored = {}
        for n, c in good:
            try:
                scored[n] = analyzer.score(c.id, c.messages, c.participants)
            except ConversationError as exc:
                scored[n] = f"line {n}: {exc}"
    for number, item in chunk:
        result = scored.get(number, item)
        if isinstance(result, Assessment):
            yield result.as_dict()
        else:
            conversation_id = item.id if isinstance(item, Conversation) else None
            yield {"id": conversation_id, "line": number, "error": str(result)}


@app.command("score")
def score(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="JSONL file of conversations, or - for stdin.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    model: ModelOption = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            help="Processes scoring chunks of the file at once, in file order (default: the "
            "cores, at most four; a file of one chunk is scored in this process).",
        ),
    ] = WORKERS,
) -> None:
    """Score each conversation: alert, category, scores, tier and evidence.
    Exit 0: no alerts; 1: at least one alert; 2: a line could not be scored."""
    analyzer = _analyzer(ctx, model)

    def work(chunk: list[tuple[int, Conversation | str]]) -> list[dict[str, Any]]:
        return list(_score_chunk(analyzer, chunk))

    alerts = errors = quiet = 0
    try:
        stream = sys.stdin if file == "-" else Path(file).open(encoding="utf-8")  # noqa: SIM115
    except OSError as exc:  # missing, a folder, unreadable: say so, no traceback
        fail(f"cannot read {file}: {exc.strerror or exc}")
    bar = progress_bar(
        "scoring",
        TextColumn("{task.completed} conversations, {task.fields[alerts]} alerts"),
        TimeElapsedColumn(),
    )
    with stream, bar:
        task = bar.add_task("scoring", total=None, alerts=0)
        try:
            for results in fork_imap(work, _chunks(stream), workers):
                for result in results:
                    if "error" in result:
                        errors += 1
                    elif result["alert"]:
                        alerts += 1
                    else:
                        quiet += 1
                    if as_json:
                        sys.stdout.write(json.dumps(result) + "\n")
                    elif "error" in result:
                        out.print(Text.assemble(("error", "red"), " ", str(result["error"])))
                    else:
                        _print_human(result)
                bar.update(task, advance=len(results), alerts=alerts)
        except UnicodeDecodeError:
            fail(
                f"{file} is not UTF-8 text: conversations are JSON Lines, one JSON object per line"
            )
        except ConversationError as exc:  # a worker process died (pool.py says why)
            done = alerts + errors + quiet
            fail(f"{exc}; {done} lines were scored and written above, the rest of {file} was not")
    raise typer.Exit(EXIT_ERROR if errors else EXIT_MATCHED if alerts else EXIT_OK)


def _print_human(result: dict[str, Any]) -> None:
    if not result["alert"]:
        out.print(
            f"{result['id']}: no alert (tier {result['tier']}, grooming "
            f"{result['grooming_score']:.2f}, sextortion {result['sextortion_score']:.2f})"
        )
        return
    out.print(Text(f"{result['id']}: {result['category']} alert", "bold red"), end="")
    out.print(
        f" after message {result['first_alert_index']} (tier {result['tier']}, offender "
        f"{result['offender']}, grooming {result['grooming_score']:.2f}, sextortion "
        f"{result['sextortion_score']:.2f})"
    )
    for item in result["evidence"]:
        tactics = ", ".join(sorted(item["tactics"]))
        excerpt = f": {item['excerpt']!r}" if item.get("excerpt") else ""
        out.print(f"  #{item['index']} {item['sender']} [{tactics}]{excerpt}")


@app.command("eval")
def evaluate(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Argument(
            exists=True, help="Labelled JSONL files or folders of them; each file is a source."
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    with_ages: Annotated[
        bool,
        typer.Option(
            "--with-ages",
            help="Pass the participants' true ages (withheld by default, as most "
            "platforms do not know them).",
        ),
    ] = False,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", file_okay=False, help="Write PNG curves here (the plot extra)."),
    ] = None,
    model: ModelOption = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            help="Processes scoring at once (default: the cores, at most four).",
        ),
    ] = WORKERS,
) -> None:
    """Per source and pooled: grooming alert recall (shipped threshold, 1% and 0.1% of benign
    alerted), flagged before the first harm step, sextortion alerted within one message of
    the first threat, benign alerted and nudged per 1,000, ROC AUC and average precision.
    The last six lines are the pooled headline."""
    try:
        items = read_sources(files, with_ages=with_ages)
    except (ConversationError, OSError) as exc:
        fail(str(exc))
    analyzer = _analyzer(ctx, model)
    name = analyzer.detector.model_name or "lexical (no embedding)"

    def progress(done: int, total: int) -> None:
        err.print(f"scored {done}/{total} conversations", end="\r" if done < total else "\n")

    try:
        results = score_labelled(analyzer, items, progress, workers=workers)
    except ConversationError as exc:
        fail(str(exc))
    result = report(results)
    result["model"] = name
    result["ages"] = "given" if with_ages else "withheld"
    if plot is not None:
        try:
            for path in write_plots(results, plot):
                err.print(f"wrote {path}")
        except SafeguardingError as exc:
            fail(str(exc))
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return
    _print_table(result)
    for line in headline(result, name, with_ages):
        out.print(line)


def _print_table(result: dict[str, Any]) -> None:
    out.print(
        f"{'source':<22} {'benign':>6} {'alerted':>7} {'/1000':>6} {'nudged':>6} | "
        f"{'groom':>5} {'recall':>6} {'@1%':>5} {'@0.1%':>5} {'early':>7} {'AUC':>5} "
        f"{'AP':>5} | {'sext':>4} {'on time':>7} {'AUC':>5} {'AP':>5}"
    )
    for source, s in [*result["sources"].items(), (POOLED, result[POOLED])]:
        g, x = s.get("grooming"), s.get("sextortion")
        row = (
            f"{source[:22]:<22} {s['benign']:>6} {s['benign_alerted']:>7} "
            f"{s['benign_alerts_per_1000']:>6} {s['benign_nudged_per_1000']:>6} | "
        )
        if g:
            row += (
                f"{g['conversations']:>5} {_f(g['alert_recall']):>6} "
                f"{_f(g['recall_at_1pct_benign']):>5} {_f(g['recall_at_0.1pct_benign']):>5} "
                f"{g['flagged_before_first_harm']:>3}/{g['with_harm_step']:<3} "
                f"{_f(g['roc_auc']):>5} {_f(g['average_precision']):>5} | "
            )
        else:
            row += f"{'-':>5} {'':>6} {'':>5} {'':>5} {'':>7} {'':>5} {'':>5} | "
        if x:
            row += (
                f"{x['conversations']:>4} {x['alerted_within_1_message']:>3}/"
                f"{x['conversations']:<3} {_f(x['roc_auc']):>5} "
                f"{_f(x['average_precision']):>5}"
            )
        else:
            row += f"{'-':>4}"
        out.print(row)


def _f(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


@app.command("train")
def train_command(
    files: Annotated[
        list[Path],
        typer.Argument(
            exists=True, help="Tagged labelled JSONL files or folders (each file a source)."
        ),
    ],
    destination: Annotated[
        Path,
        typer.Option(
            "--out",
            file_okay=False,
            help="Where the bundles go (the shipped ones: "
            "src/safeguarding/conversation/data/model).",
        ),
    ],
    bundles: Annotated[
        str,
        typer.Option(
            "--bundles", help="Comma-separated: use (with the sentence encoder), lexical."
        ),
    ] = "use,lexical",
    loso: Annotated[
        bool, typer.Option("--loso/--no-loso", help="Also report leave-one-source-out figures.")
    ] = True,
    nested: Annotated[
        bool,
        typer.Option(
            "--nested/--not-nested",
            help="Calibrate and threshold each held-out bundle on out-of-source scores "
            "within its own sources (exact, over an hour on 2 cores) instead of the "
            "all-source ones (minutes; docs/conversation.md).",
        ),
    ] = False,
    version: Annotated[str, typer.Option("--version", help="Stored in the bundles.")] = "dev",
    compare: Annotated[
        bool,
        typer.Option(
            "--compare",
            help="Also measure gradient-boosted trees against the shipped "
            "logistic regression, leave one source out.",
        ),
    ] = False,
    recheck: Annotated[
        bool,
        typer.Option(
            "--recheck",
            help="Also fit the sextortion moment's second reading by e5 (use bundle, "
            "not nested; docs/conversation.md).",
        ),
    ] = False,
    embedding_cache: Annotated[
        Path | None,
        typer.Option(
            "--embedding-cache",
            file_okay=False,
            help="Where e5's vectors are kept between trainings (default: "
            "~/.cache/safeguarding/embeddings).",
        ),
    ] = None,
    lines: Annotated[
        list[Path] | None,
        typer.Option(
            "--lines",
            exists=True,
            dir_okay=False,
            help="Phrase lines the tactic and moment models also learn from (repeatable; "
            "training/lines.py says the format).",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            help="Processes for the fits that do not depend on each other "
            "(default: the cores, at most four; the bundle is the same with any number).",
        ),
    ] = WORKERS,
    by_language: Annotated[
        bool,
        typer.Option(
            "--thresholds-by-language/--pooled-thresholds",
            help="Also set thresholds per language where the training has 500 benign chats "
            'in it (measured, not shipped: docs/conversation.md, "Session 41").',
        ),
    ] = False,
    after_nudge: Annotated[
        float,
        typer.Option(
            "--moment-after-nudge",
            min=0.0,
            max=0.9,
            help="The part of the sextortion moment's alert budget spent at a lower bar "
            "once the conversation reaches the sextortion nudge (the lexical bundle: 0.5; "
            "training/budget.py).",
        ),
    ] = MOMENT_AFTER_NUDGE,
    recheck_folds: Annotated[
        int,
        typer.Option(
            "--recheck-folds",
            min=0,
            help="With --recheck: folds of sources for the second reading's out-of-source "
            "fits, which set its threshold (0: one fit per source; training/recheck.py).",
        ),
    ] = RECHECK_FOLDS,
) -> None:
    """Fit the tactic and conversation models (the train extra) and print
    leave-one-source-out figures per source; writes tactics-NAME.npz, risk-NAME.json,
    report-NAME.json, benign-held-out-NAME.json (the benign scores the thresholds were
    set on) and held-out-series-NAME.npz (every training chat's out-of-source scores after
    each message) to --out."""
    if pinnable() and not pinned():
        extra = ["--recheck", "--recheck-folds", str(recheck_folds)] if recheck else []
        extra += ["--embedding-cache", str(embedding_cache)] if embedding_cache else []
        extra += ["--workers", str(workers)]
        extra += ["--thresholds-by-language"] if by_language else []
        extra += ["--moment-after-nudge", str(after_nudge)]
        extra += [arg for path in lines or [] for arg in ("--lines", str(path))]
        raise typer.Exit(
            _train_pinned(files, destination, bundles, loso, nested, version, compare, extra)
        )
    from safeguarding.conversation.training.lines import read_lines
    from safeguarding.conversation.training.recheck import cached_second, default_cache
    from safeguarding.conversation.training.run import train
    from safeguarding.conversation.training.series import save as save_series

    try:
        items = read_sources(files)
        by_file = {path.name: read_lines(path) for path in lines or []}
    except (ConversationError, OSError) as exc:
        fail(str(exc))
    for name in [b.strip() for b in bundles.split(",") if b.strip()]:
        if name not in ("use", "lexical"):
            fail(f"unknown bundle {name!r}: use or lexical")
        embedder = load_embedder("use" if name == "use" else "none")
        second = None
        if recheck and name == "use":
            try:
                second = cached_second(embedding_cache or default_cache())
            except SafeguardingError as exc:
                fail(str(exc))
        try:
            outcome = train(
                items,
                embedder,
                destination,
                name,
                version,
                loso=loso,
                nested=nested,
                compare=compare,
                progress=lambda line: err.print(line),
                second=second,
                workers=workers,
                lines=[line for found in by_file.values() for line in found],
                by_language=by_language,
                moment_after_nudge=after_nudge,
                recheck_folds=recheck_folds,
            )
        except (SafeguardingError, ValueError) as exc:
            fail(str(exc))
        finally:
            if second is not None:
                second.flush()
        (destination / f"benign-held-out-{name}.json").write_text(
            json.dumps(outcome.benign_held_out, indent=0) + "\n"
        )
        series_file = destination / f"held-out-series-{name}.npz"
        if outcome.series is not None:
            save_series(outcome.series, series_file)
        else:
            series_file.unlink(missing_ok=True)
        (destination / f"report-{name}.json").write_text(
            json.dumps(
                {
                    "bundle": name,
                    "version": version,
                    "thresholds": outcome.thresholds,
                    "thresholds_by_language": outcome.thresholds_by_language,
                    "leave_one_source_out": outcome.loso,
                    "nested": outcome.nested,
                    "leave_one_language_out": outcome.lolo,
                    "lines": {name: len(found) for name, found in by_file.items()},
                    "in_sample": outcome.pooled_in_sample,
                    "model_families": outcome.comparison,
                    "environment": describe(),
                },
                indent=1,
            )
            + "\n",
            encoding="utf-8",
        )
        if outcome.loso:
            how = "nested" if outcome.nested else "not nested"
            out.print(f"== {name}: leave one source out (ages withheld, {how})")
            _print_table(outcome.loso)
            for line in headline(outcome.loso, name, False):
                out.print(line)
        if outcome.lolo:
            out.print(f"== {name}: leave one language out")
            _print_table(outcome.lolo)
        if outcome.comparison:
            out.print(f"== {name}: model families, leave one source out")
            out.print(json.dumps(outcome.comparison))


def _train_pinned(
    files: list[Path],
    destination: Path,
    bundles: str,
    loso: bool,
    nested: bool,
    version: str,
    compare: bool,
    extra: list[str],
) -> int:
    """The same training in a child process with the pinned numeric environment: it must be
    set before numpy and scipy load (training/environment.py says why)."""
    argv = [sys.executable, "-m", "safeguarding.cli", "conversation", "train"]
    argv += ["--out", str(destination), "--bundles", bundles, "--version", version]
    argv += ["--loso" if loso else "--no-loso", "--nested" if nested else "--not-nested"]
    argv += ["--compare"] if compare else []
    argv += extra
    pins = " ".join(f"{name}={value!r}" for name, value in PINNED.items())
    err.print(f"training in a child process with the pinned numeric environment: {pins}")
    return subprocess.run([*argv, "--", *map(str, files)], env=pinned_environ()).returncode


@app.command("purge")
def purge(ctx: typer.Context) -> None:
    """Drop evidence excerpts older than SAFEGUARDING_CONVERSATION_EXCERPT_RETENTION_DAYS."""
    with engine(ctx) as e:
        changed = e.conversations.purge_excerpts()
    out.print(f"excerpts dropped from {changed} conversations")
