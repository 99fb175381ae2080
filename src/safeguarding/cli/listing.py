"""One way to print a list command's result: JSON Lines with --json (one object a row, for
pipes), otherwise a table on a terminal. Each list command says only its columns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from rich.table import Table

from safeguarding.cli.common import out, print_json

T = TypeVar("T")


@dataclass(frozen=True)
class Column(Generic[T]):
    header: str
    cell: Callable[[T], str]


def print_listing(
    rows: Sequence[T],
    *,
    as_json: bool,
    record: Callable[[T], dict[str, Any]],
    columns: Sequence[Column[T]],
) -> None:
    if as_json:
        for row in rows:
            print_json(record(row))
        return
    table = Table(*(c.header for c in columns))
    for row in rows:
        table.add_row(*(c.cell(row) for c in columns))
    out.print(table)


def day(when: datetime | None, missing: str = "") -> str:
    return f"{when:%Y-%m-%d}" if when else missing


def minute(when: datetime | None, missing: str = "") -> str:
    return f"{when:%Y-%m-%d %H:%M}" if when else missing


def yes_no(flag: bool) -> str:
    return "yes" if flag else "no"
