"""What every command shares: settings from --db, the engine (which refuses a database
`db upgrade` has not made), errors as exit code 2."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.progress import Progress, ProgressColumn
from rich.text import Text

from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.errors import SafeguardingError
from safeguarding.store.db import Database, head_revision

# No markup: what we print is data (file names, bank names, messages), and a file named
# "b[/x].jpg" must print as itself, not crash Rich's markup parser. Colour is asked for
# explicitly, with `error()` or a Text.
out = Console(highlight=False, soft_wrap=True, markup=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)


def progress_bar(*columns: str | ProgressColumn, enabled: bool = True) -> Progress:
    """A progress bar for long work, on stderr and only there: Rich would otherwise capture
    what is written to stdout while it runs and print it on stderr too, so `--json` in a
    terminal lost its JSON to stderr. When stdout is a terminal as well, the results
    scrolling by are the progress, and a bar drawn between them would garble both: no bar.
    Nor in a pipe or log (stderr not a terminal)."""
    return Progress(
        *columns,
        console=err,
        transient=True,
        redirect_stdout=False,
        redirect_stderr=False,
        disable=not enabled or not err.is_terminal or sys.stdout.isatty(),
    )


EXIT_OK, EXIT_MATCHED, EXIT_ERROR = 0, 1, 2
#: `match`: something matched, and some files could not be read (neither hides the other)
EXIT_MATCHED_WITH_ERRORS = 3


def settings(ctx: typer.Context) -> Settings:
    found: Settings = ctx.obj
    return found


def actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def error(message: str, label: str = "error:") -> None:
    """`error: message` on stderr, the label in red."""
    err.print(Text.assemble((label, "red"), " ", message))


def fail(message: str) -> NoReturn:
    error(message)
    raise typer.Exit(EXIT_ERROR)


def upgrade_database(ctx: typer.Context) -> str:
    """Create or migrate the chosen database (`db upgrade`, `serve --demo`: the only
    commands that do); returns what was done, in words."""
    try:
        database = Database(settings(ctx).database_url)
    except SafeguardingError as exc:
        fail(str(exc))
    try:
        exists = database.path is None or database.path.is_file()
        before = database.revision() if exists else None
        database.upgrade()
    except Exception as exc:  # an unreachable server or a bad URL, told plainly
        fail(f"cannot open or migrate the database at {database.shown}: {exc}")
    finally:
        database.dispose()
    head = head_revision()
    if before == head:
        return f"the database at {database.shown} is up to date (schema {head})"
    if before is None:
        return f"created the database at {database.shown} (schema {head})"
    return f"migrated the database at {database.shown} from schema {before} to {head}"


@contextmanager
def engine(ctx: typer.Context) -> Iterator[Engine]:
    """An engine over the chosen database; domain errors become `error: ...` and exit 2."""
    try:
        instance = Engine(settings(ctx))
    except SafeguardingError as exc:
        fail(str(exc))
    except Exception as exc:  # a bad URL or an unreachable server, told plainly
        fail(f"cannot open database {settings(ctx).database_url!r}: {exc}")
    try:
        yield instance
    except SafeguardingError as exc:
        fail(str(exc))
    finally:
        instance.close()


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, default=str, separators=(",", ":")) + "\n")
    sys.stdout.flush()
