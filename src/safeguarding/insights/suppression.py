"""Small-count suppression for published tables, with complementary suppression.

A count of 1 to `min_cell - 1` could point at a person (a child, a reporter), so it is never
published: that is primary suppression. Hiding it is not enough when totals are published:
a row of [3, 40] with its total 43 gives the 3 back as 43 - 40. So further counts are hidden
(complementary suppression) until no hidden count can be computed from what is shown.

The counts are variables, and each total is a linear equation over them (`total = sum of
parts`); the same variable may appear in several tables (a surface's total shown in two),
which is why they are named and the equations pooled. With the shown values fixed, a hidden
variable can be recovered exactly when every solution of the equations gives it the same
value: when its column of the null space of the hidden variables' equations is zero. Until
none can, one more count is hidden for a recoverable one: of the first few in order of
preference (a cell before a total, a non-zero count before a zero, since a hidden zero
protects little, then the smallest), the one that stops it being recoverable and leaves the
fewest others so. Greedy, so not the fewest hidden possible, but never too few.
Each round hides one more count, so it ends, at worst with everything in the equations
hidden. Zero is shown: it describes no one.

Bounds are not considered: counts are non-negative, so a hidden pair that adds up to 12
tells each is at most 12. That is the usual standard for published statistics; the minimum
cell size is the protection."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

import numpy as np

Key = Hashable
#: the row and column label of totals: no bank, surface or other label contains brackets
TOTAL = "(total)"
#: how many candidates for the next hidden count are weighed (each costs one decomposition)
_LOOKAHEAD = 12
#: singular values below this are zero (the matrices hold small integers)
_TOLERANCE = 1e-9


class Disclosure:
    """Counts and the totals that tie them together; `hidden()` says which to withhold."""

    def __init__(self, min_cell: int) -> None:
        if min_cell < 1:
            raise ValueError("min_cell must be at least 1")
        self.min_cell = min_cell
        self.values: dict[Key, int] = {}
        self.totals: set[Key] = set()
        self.equations: list[tuple[Key, tuple[Key, ...]]] = []

    def count(self, key: Key, value: int) -> Key:
        """A count that is shown unless hidden; the same key twice must agree."""
        if value < 0:
            raise ValueError(f"{key!r}: a count cannot be negative")
        if self.values.setdefault(key, value) != value:
            raise ValueError(f"{key!r}: given as {self.values[key]} and {value}")
        return key

    def total(self, key: Key, parts: Sequence[Key]) -> Key:
        """A shown total of counts already given: `key = sum(parts)`."""
        self.count(key, sum(self.values[p] for p in parts))
        self.totals.add(key)
        self.equations.append((key, tuple(parts)))
        return key

    def table(
        self,
        name: str,
        rows: Sequence[str],
        columns: Sequence[str],
        counts: dict[tuple[str, str], int],
        *,
        row_totals: str | None = None,
        column_totals: str | None = None,
    ) -> None:
        """A table of `counts` (missing cells are 0) with a total per row, per column and in
        all. Cells are keyed (name, row, column); row totals (row_totals, row) and column
        totals (column_totals, column), so two tables naming the same totals share them;
        unnamed, they are (name, row, TOTAL) and (name, TOTAL, column)."""
        for r in rows:
            for c in columns:
                self.count((name, r, c), counts.get((r, c), 0))
        by_row = [
            self.total(
                (row_totals, r) if row_totals else (name, r, TOTAL),
                [(name, r, c) for c in columns],
            )
            for r in rows
        ]
        for c in columns:
            self.total(
                (column_totals, c) if column_totals else (name, TOTAL, c),
                [(name, r, c) for r in rows],
            )
        self.total((name, TOTAL, TOTAL), by_row)

    def small(self, value: int) -> bool:
        return 0 < value < self.min_cell

    def hidden(self) -> set[Key]:
        hide = {k for k, v in self.values.items() if self.small(v)}
        while True:
            recoverable = self.recoverable(hide)
            if not recoverable:
                return hide
            hide.add(self._complement(min(recoverable, key=repr), hide))

    def recoverable(self, hide: Iterable[Key]) -> list[Key]:
        """The hidden keys whose value follows from the shown ones. The equations are
        restricted to the hidden keys and split into independent groups (keys linked by an
        equation), each decomposed on its own: a report's hidden counts fall into many small
        groups, and one large decomposition would cost far more."""
        hidden = set(hide)
        rows: list[dict[Key, float]] = []
        for total, parts in self.equations:
            row: dict[Key, float] = {}
            for key, sign in [(total, -1.0), *((p, 1.0) for p in parts)]:
                if key in hidden:
                    row[key] = row.get(key, 0.0) + sign
            row = {k: v for k, v in row.items() if v}
            if row:
                rows.append(row)
        found: list[Key] = []
        for keys, group in _groups(rows):
            column = {k: i for i, k in enumerate(keys)}
            matrix = np.zeros((len(group), len(keys)))
            for i, row in enumerate(group):
                for key, value in row.items():
                    matrix[i, column[key]] = value
            _, singular, vt = np.linalg.svd(matrix)
            null = vt[int((singular > _TOLERANCE).sum()) :]
            # a hidden zero that can be computed tells nothing (only zeros follow from the
            # equations' shape alone, so with everything hidden nothing is recoverable)
            found += [
                k for k in keys if self.values[k] != 0 and np.all(np.abs(null[:, column[k]]) < 1e-7)
            ]
        return sorted(found, key=repr)

    def _complement(self, key: Key, hide: set[Key]) -> Key:
        """The count to hide next so that `key` stops being recoverable: the first, in
        order of preference, whose hiding does it. An equation in which `key` is the only
        hidden count gives it back by itself, so the count must come from there (for a
        total of one part, the total: the same number); else it is looked for among the
        equations with a hidden count, then among all. When no single count does, the
        first is hidden and the next round goes on."""
        near = [eq for eq in self.equations if key == eq[0] or key in eq[1]]
        alone = [eq for eq in near if len(hide & {eq[0], *eq[1]}) == 1]
        touching = [eq for eq in self.equations if hide & {eq[0], *eq[1]}]
        pool: list[Key] = []
        for equations in (alone[:1], touching):
            pool = sorted(
                {k for total, parts in equations for k in (total, *parts)} - hide,
                key=self._preference,
            )
            if pool:
                break
        pool = pool or sorted(set(self.values) - hide, key=self._preference)
        # of the first few, the one that leaves the fewest counts recoverable (hiding a
        # cell whose total then gives it back only moves the problem), then by preference
        scored = []
        for rank, candidate in enumerate(pool[:_LOOKAHEAD]):
            left = self.recoverable(hide | {candidate})
            scored.append((key in left, len(left), rank, candidate))
        return min(scored, key=lambda s: s[:3])[3]

    def _preference(self, key: Key) -> tuple[bool, bool, int, str]:
        value = self.values[key]
        return (key in self.totals, value == 0, value, repr(key))


def _groups(rows: list[dict[Key, float]]) -> list[tuple[list[Key], list[dict[Key, float]]]]:
    """The rows split into groups that share no key (union-find over their keys)."""
    parent: dict[Key, Key] = {}

    def root(key: Key) -> Key:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for row in rows:
        first, *rest = row
        top = root(first)  # a row of one key is a group too
        for key in rest:
            parent[root(key)] = top
            top = root(first)
    keys: dict[Key, list[Key]] = {}
    for key in parent:
        keys.setdefault(root(key), []).append(key)
    grouped: dict[Key, list[dict[Key, float]]] = {}
    for row in rows:
        grouped.setdefault(root(next(iter(row))), []).append(row)
    return [(sorted(keys[r], key=repr), grouped[r]) for r in grouped]
