"""A transparency report's tables as the suppression sees them: every count and total
named for `Disclosure`, then laid out again with the withheld ones as None."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from safeguarding.insights.suppression import TOTAL, Disclosure


@dataclass(frozen=True)
class Table:
    """Counts by row and column, with totals; None where withheld."""

    name: str
    title: str
    rows: list[str]
    columns: list[str]
    #: every row and column with TOTAL as the last of each (no TOTAL column when a row's
    #: counts do not add up: `sums_rows`)
    cells: dict[tuple[str, str], int | None]
    sums_rows: bool = True

    @property
    def all_columns(self) -> list[str]:
        return [*self.columns, TOTAL] if self.sums_rows else list(self.columns)

    def as_dict(self) -> dict[str, Any]:
        columns, rows = self.all_columns, [*self.rows, TOTAL]
        return {
            "name": self.name,
            "title": self.title,
            "columns": columns,
            "rows": [{"row": r, **{c: self.cells.get((r, c)) for c in columns}} for r in rows],
        }


def order(present: set[str], known: list[str]) -> list[str]:
    """Known members first in their order, then any other value found, sorted."""
    return [k for k in known if k in present] + sorted(present - set(known))


class Builder:
    def __init__(self, min_cell: int) -> None:
        self.disclosure = Disclosure(min_cell)
        self.specs: list[tuple[str, str, list[str], list[str], bool]] = []
        self.names: dict[str, tuple[str | None, str | None]] = {}

    def table(
        self,
        name: str,
        title: str,
        rows: list[str],
        columns: list[str],
        counts: dict[tuple[str, str], int],
        *,
        row_totals: str | None = None,
        column_totals: str | None = None,
        sum_rows: bool = True,
    ) -> None:
        self.disclosure.table(
            name,
            rows,
            columns,
            counts,
            row_totals=row_totals,
            column_totals=column_totals,
            sum_rows=sum_rows,
        )
        self.specs.append((name, title, rows, columns, sum_rows))
        self.names[name] = (row_totals, column_totals)

    def key(self, name: str, row: str, column: str) -> tuple[str, ...]:
        row_totals, column_totals = self.names[name]
        if row == TOTAL and column == TOTAL:
            return (name, TOTAL, TOTAL)
        if column == TOTAL:
            return (row_totals, row) if row_totals else (name, row, TOTAL)
        if row == TOTAL:
            return (column_totals, column) if column_totals else (name, TOTAL, column)
        return (name, row, column)

    def tables(self) -> list[Table]:
        hidden = self.disclosure.hidden()
        values = self.disclosure.values
        out = []
        for name, title, rows, columns, sum_rows in self.specs:
            cells: dict[tuple[str, str], int | None] = {}
            for r in [*rows, TOTAL]:
                for c in [*columns, TOTAL] if sum_rows else columns:
                    key = self.key(name, r, c)
                    cells[(r, c)] = None if key in hidden else values[key]
            out.append(Table(name, title, rows, columns, cells, sum_rows))
        return out
