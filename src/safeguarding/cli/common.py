"""What every command shares: settings from --db, the engine, errors as exit code 2."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.errors import SafeguardingError

# No markup: what we print is data (file names, bank names, messages), and a file named
# "b[/x].jpg" must print as itself, not crash Rich's markup parser. Colour is asked for
# explicitly, with `error()` or a Text.
out = Console(highlight=False, soft_wrap=True, markup=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)

EXIT_OK, EXIT_MATCHED, EXIT_ERROR = 0, 1, 2


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
