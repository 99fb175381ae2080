"""`safeguarding bank ...`: create, inspect and fill hash banks."""

from __future__ import annotations

import json as jsonlib
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.text import Text

from safeguarding.banks.formats import BankFormat
from safeguarding.banks.model import Action, BankSource
from safeguarding.banks.policy import BankPolicy, legacy_spec
from safeguarding.cli.common import actor, engine, err, error, fail, out, print_json
from safeguarding.cli.files import expand_paths, hash_many
from safeguarding.cli.listing import Column, print_listing, yes_no

app = typer.Typer(help="Create, inspect, fill, import and export hash banks.", no_args_is_help=True)


def _policies(settings: list[str] | None) -> dict[str, dict[str, Any]]:
    """`pdq.threshold=20` (repeatable) -> {"pdq": {"threshold": 20}}; the type checks it."""
    policies: dict[str, dict[str, Any]] = {}
    for item in settings or []:
        key, _, raw = item.partition("=")
        kind, _, setting = key.partition(".")
        try:
            value = jsonlib.loads(raw)
        except ValueError:
            value = None
        if not kind or not setting or not isinstance(value, int | float):
            fail(f"--policy {item!r}: expected TYPE.SETTING=NUMBER, e.g. pdq.threshold=20")
        policies.setdefault(kind, {})[setting] = value
    return policies


@app.command()
def create(
    ctx: typer.Context,
    name: str,
    description: Annotated[str, typer.Option(help="What the bank holds.")] = "",
    source: Annotated[
        str, typer.Option(help=f"{', '.join(BankSource)}, or another name")
    ] = BankSource.LOCAL,
    threshold: Annotated[
        int | None,
        typer.Option(
            help="PDQ distance threshold (also vPDQ's frame distance) "
            f"[default: {legacy_spec('pdq_threshold')[0]}]"
        ),
    ] = None,
    min_quality: Annotated[
        int | None,
        typer.Option(help=f"Minimum PDQ quality [default: {legacy_spec('min_quality')[0]}]"),
    ] = None,
    action: Annotated[Action, typer.Option(help="What a match asks for.")] = Action.REVIEW,
    label: Annotated[list[str] | None, typer.Option(help="A label (repeatable).")] = None,
    policy: Annotated[
        list[str] | None,
        typer.Option(
            help="A setting of one signal type, TYPE.SETTING=NUMBER (repeatable), e.g. "
            "vpdq.query_match_percent=90; docs/configuration.md lists them."
        ),
    ] = None,
) -> None:
    """Create an empty bank."""
    with engine(ctx) as e:
        bank = e.banks.create_bank(
            name,
            actor(),
            description=description,
            source=source,
            labels=label or [],
            policy=BankPolicy.of(
                action, policies=_policies(policy), pdq_threshold=threshold, min_quality=min_quality
            ),
        )
    out.print(
        f"created bank {bank.name} (source {bank.source}, action "
        f"{bank.policy.action.value}; {bank.policy.describe()})"
    )


@app.command("set-policy")
def set_policy(
    ctx: typer.Context,
    name: str,
    settings: Annotated[
        list[str], typer.Argument(help="TYPE.SETTING=NUMBER, e.g. pdq.threshold=20")
    ],
) -> None:
    """Change settings of a bank's policy; those not named stay as they are."""
    with engine(ctx) as e:
        bank = e.banks.update_bank(name, actor(), policies=_policies(settings))
    out.print(f"{bank.name}: {bank.policy.describe()}")


@app.command("list")
def list_banks(ctx: typer.Context, json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List banks with their policies and sizes."""
    with engine(ctx) as e:
        banks = e.banks.list_banks()
    print_listing(
        banks,
        as_json=json,
        record=lambda b: b.as_dict(),
        columns=[
            Column("name", lambda b: b.name),
            Column("source", lambda b: b.source),
            Column("enabled", lambda b: yes_no(b.enabled)),
            Column("entries", lambda b: str(b.entry_count)),
            Column("action", lambda b: b.policy.action.value),
            Column("policy", lambda b: b.policy.describe()),
        ],
    )


@app.command()
def show(
    ctx: typer.Context,
    name: str,
    entries: Annotated[int, typer.Option(help="Show this many entries.")] = 10,
    json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show a bank and its first entries."""
    with engine(ctx) as e:
        bank = e.banks.get_bank(name)
        first = e.banks.entries(name, limit=max(1, entries)) if entries else []
    if json:
        print_json({**bank.as_dict(), "first_entries": [x.as_dict() for x in first]})
        return
    out.print(Text(bank.name, "bold"), end="")
    out.print(
        f"  source={bank.source} enabled={bank.enabled} "
        f"entries={bank.entry_count}\n  policy: action={bank.policy.action.value}; "
        f"{bank.policy.describe()}\n"
        f"  created by {bank.created_by} at {bank.created_at:%Y-%m-%d %H:%M}"
    )
    for x in first:
        out.print(f"  #{x.id} {x.signal_type} {x.value[:64]} {x.source_ref or ''}")


@app.command()
def add(
    ctx: typer.Context,
    name: str,
    paths: list[Path],
    label: Annotated[list[str] | None, typer.Option(help="A label (repeatable).")] = None,
    skip_unreadable: Annotated[
        bool,
        typer.Option(
            "--skip-unreadable",
            help="Add the files that can be read and report the others "
            "(by default one unreadable file adds nothing).",
        ),
    ] = False,
) -> None:
    """Hash files (or directories, recursively) and add their signals to a bank."""
    with engine(ctx) as e:
        e.banks.get_bank(name)
        files = expand_paths(paths)
        contents = []
        failed = 0
        for path, hashes, message in hash_many(
            files,
            e.limits,
            e.settings.hash_workers,
            dihedral=False,
            crops=e.settings.bank_crop_hashes,
        ):
            if message or hashes is None:
                failed += 1
                error(str(message))
                continue
            contents.append((hashes, path.name))
        if failed and not skip_unreadable:
            err.print(
                f"{failed} file(s) could not be hashed; nothing was added "
                "(--skip-unreadable adds the others)"
            )
            raise typer.Exit(2)
        if failed:
            err.print(f"{failed} file(s) could not be hashed and were skipped")
        result = e.banks.add_hashes(name, contents, actor(), labels=label or [])
    out.print(
        f"{name}: added {result.added} signals from {len(files)} files "
        f"({result.already_present} already present)"
    )


@app.command()
def remove(ctx: typer.Context, name: str, entry_ids: list[int]) -> None:
    """Remove entries by id."""
    with engine(ctx) as e:
        removed = e.banks.remove_entries(name, entry_ids, actor())
    out.print(f"{name}: removed {removed} entries")


@app.command("import")
def import_(
    ctx: typer.Context,
    name: str,
    file: Path,
    format: Annotated[BankFormat, typer.Option(help="hma, csv or jsonl")] = BankFormat.HMA,
) -> None:
    """Import a hash list. All or nothing; importing it again adds nothing."""
    with engine(ctx) as e, _open(file) as stream:
        result = e.banks.import_file(name, format, stream, actor())
    out.print(
        f"{name}: imported {result.total} entries, {result.added} new, "
        f"{result.already_present} already present"
    )


@app.command()
def export(
    ctx: typer.Context,
    name: str,
    format: Annotated[BankFormat, typer.Option(help="hma, csv or jsonl")] = BankFormat.HMA,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Export a bank to stdout or a file. The file is replaced only once the whole export
    is written: an unknown bank or a failure midway leaves it as it was."""
    with engine(ctx) as e:
        e.banks.get_bank(name)
        lines = e.banks.export(name, format)
        if output is None:
            for line in lines:
                sys.stdout.write(line)
            return
        partial = output.with_name(f".{output.name}.partial")
        try:
            with partial.open("w", encoding="utf-8") as target:
                target.writelines(lines)
            partial.replace(output)
        except OSError as exc:
            fail(f"{output}: {exc.strerror or exc}")
        finally:
            partial.unlink(missing_ok=True)


@app.command()
def enable(ctx: typer.Context, name: str) -> None:
    """Use the bank in matching."""
    with engine(ctx) as e:
        e.banks.update_bank(name, actor(), enabled=True)
    out.print(f"{name}: enabled")


@app.command()
def disable(ctx: typer.Context, name: str) -> None:
    """Stop using the bank in matching (takes effect within a second)."""
    with engine(ctx) as e:
        e.banks.update_bank(name, actor(), enabled=False)
    out.print(f"{name}: disabled")


def _open(file: Path) -> AbstractContextManager[IO[bytes]]:
    if str(file) == "-":
        return nullcontext(sys.stdin.buffer)
    if not file.is_file():
        fail(f"{file}: no such file")
    return file.open("rb")
