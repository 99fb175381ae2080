"""Small-count suppression for published tables, with complementary suppression.

A count of 1 to `min_cell - 1` could point at a person (a child, a reporter), so it is never
published: that is primary suppression. Hiding it is not enough when totals are published:
a row of [3, 40] with its total 43 gives the 3 back as 43 - 40. So further counts are hidden
(complementary suppression) until no hidden count can be computed from what is shown.

The counts are variables, and each total is a linear equation over them (`total = sum of
parts`); the same variable may appear in several tables (a surface's total shown in two),
which is why they are named and the equations pooled. With the shown values fixed, a hidden
variable can be recovered exactly when every solution of the equations gives it the same
value: when, in the reduced echelon form of the hidden variables' equations, its pivot row
has no other entry. Until none can, one more count is hidden for a recoverable one: of the
first few shown counts in its equations, in order of preference (a cell before a total, a
non-zero count before a zero, since a hidden zero protects little, then the smallest), the
one that stops it being recoverable and leaves the fewest others so. That greedy choice can
hide more than needed (a complement chosen early made redundant by later ones), so each
complement is then tried shown again (totals and zeros first, then the largest) and stays
shown when nothing becomes recoverable: no single complement left could be shown. Not the
fewest hidden possible (that is a hard combinatorial problem), but never too few. Each
round hides one more count, so it ends, at worst with everything in the equations hidden.
Zero is shown: it describes no one.

Bounds are not considered: counts are non-negative, so a hidden pair that adds up to 12
tells each is at most 12. That is the usual standard for published statistics; the minimum
cell size is the protection."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

import numpy as np
from numba import njit

Key = Hashable
#: the row and column label of totals: no bank, surface or other label contains brackets
TOTAL = "(total)"
#: how many candidates for the next hidden count are weighed (each costs one elimination)
_LOOKAHEAD = 12
#: entries below this are zero (the matrices hold small integers)
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
        #: key -> the equations it is in, and each equation's keys
        self._where: dict[Key, list[int]] = {}
        self._sets: list[frozenset[Key]] = []

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
        members = frozenset((key, *parts))
        for member in members:
            self._where.setdefault(member, []).append(len(self.equations))
        self._sets.append(members)
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
        sum_rows: bool = True,
    ) -> None:
        """A table of `counts` (missing cells are 0) with a total per row, per column and in
        all. Cells are keyed (name, row, column); row totals (row_totals, row) and column
        totals (column_totals, column), so two tables naming the same totals share them;
        unnamed, they are (name, row, TOTAL) and (name, TOTAL, column). `sum_rows=False`:
        a row's counts do not add up to anything (matches, and removals among them), so
        only the column totals are given."""
        for r in rows:
            for c in columns:
                self.count((name, r, c), counts.get((r, c), 0))
        if not sum_rows:
            for c in columns:
                self.total((name, TOTAL, c), [(name, r, c) for r in rows])
            return
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
        """The counts to withhold: the small ones, and complements chosen so that none of
        them can be computed from what is shown."""
        primary = {k for k, v in self.values.items() if self.small(v)}
        hide = set(primary)
        while recoverable := self.recoverable(hide):
            hide.add(self._complement(recoverable[0], hide, set(recoverable)))
        return self._pruned(hide, primary)

    def recoverable(self, hide: Iterable[Key], near: Iterable[Key] | None = None) -> list[Key]:
        """The hidden keys whose value follows from the shown ones; with `near`, only among
        the hidden keys linked to those (by equations through hidden keys). Each group of
        linked hidden keys is decomposed on its own: a report's hidden counts fall into
        many small groups, and one large decomposition would cost far more."""
        hidden = set(hide)
        seeds = hidden if near is None else {k for k in near if k in hidden}
        seen: set[Key] = set()
        found: list[Key] = []
        for seed in sorted(seeds, key=repr):
            if seed not in seen:
                keys, rows = self._group(seed, hidden)
                seen.update(keys)
                found += self._determined(keys, rows)
        return sorted(found, key=repr)

    def _group(self, seed: Key, hidden: set[Key]) -> tuple[list[Key], list[dict[Key, float]]]:
        """The hidden keys linked to `seed`, and their equations restricted to them."""
        keys, todo, used = {seed}, [seed], set()
        while todo:
            for i in self._equations_of(todo.pop()):
                if i not in used:
                    used.add(i)
                    total, parts = self.equations[i]
                    for other in (total, *parts):
                        if other in hidden and other not in keys:
                            keys.add(other)
                            todo.append(other)
        rows = []
        for i in sorted(used):
            total, parts = self.equations[i]
            row: dict[Key, float] = {}
            for key, sign in [(total, -1.0), *((p, 1.0) for p in parts)]:
                if key in keys:
                    row[key] = row.get(key, 0.0) + sign
            if row := {k: v for k, v in row.items() if v}:
                rows.append(row)
        return sorted(keys, key=repr), rows

    def _linked(self, seeds: set[Key], hidden: set[Key]) -> set[Key]:
        """The hidden keys linked to these (by equations through hidden keys)."""
        keys, todo, used = set(seeds), list(seeds), set()
        while todo:
            for i in self._equations_of(todo.pop()):
                if i not in used:
                    used.add(i)
                    for other in (self._members(i) & hidden) - keys:
                        keys.add(other)
                        todo.append(other)
        return keys

    def _equations_of(self, key: Key) -> list[int]:
        return self._where.get(key, [])

    def _determined(self, keys: list[Key], rows: list[dict[Key, float]]) -> list[Key]:
        """Of a group's keys, the non-zero ones whose null-space column is zero (a hidden
        zero that can be computed tells nothing, and only zeros follow from the equations'
        shape alone, so with everything hidden nothing is recoverable)."""
        if not rows:
            return []
        column = {k: i for i, k in enumerate(keys)}
        matrix = np.zeros((len(rows), len(keys)))
        for i, row in enumerate(rows):
            for key, value in row.items():
                matrix[i, column[key]] = value
        free = _echelon(matrix)
        return [k for k in keys if self.values[k] != 0 and not free[column[k]]]

    def _complement(self, key: Key, hide: set[Key], recoverable: set[Key]) -> Key:
        """The count to hide next so that `key` stops being recoverable: of the first few
        candidates in order of preference (a cell before a total, a non-zero count before a
        zero, then the smallest), the one that frees `key` and leaves the fewest counts
        recoverable in all; when none frees it, the best is hidden and the next round goes
        on. Candidates are the shown counts of the one equation where `key` is the only
        hidden count (one of them must go, or that equation gives it back), else of every
        equation with a hidden count."""
        alone = [i for i in self._equations_of(key) if len(hide & self._members(i)) == 1]
        sources = alone[:1] or [i for i in range(len(self.equations)) if hide & self._members(i)]
        pool = sorted({k for i in sources for k in self._members(i)} - hide, key=self._preference)
        pool = pool or sorted(set(self.values) - hide, key=self._preference)
        scored = []
        for rank, candidate in enumerate(pool[:_LOOKAHEAD]):
            left = self.recoverable(hide | {candidate}, near=[key, candidate])
            # less what was recoverable in the groups it joins: the change in all, counted
            # only where hiding it changes anything
            joined = {key, *(k for i in self._equations_of(candidate) for k in self._members(i))}
            change = len(left) - len(recoverable & self._linked(joined & hide, hide))
            scored.append((key in left, change, rank, candidate))
        return min(scored, key=lambda s: s[:3])[3]

    def _members(self, i: int) -> frozenset[Key]:
        return self._sets[i]

    def _pruned(self, hide: set[Key], primary: set[Key]) -> set[Key]:
        """`hide` less the complements that are not needed: a greedy choice made early can
        be made redundant by later ones. Each is tried shown, in the reverse order of
        preference (totals, then zeros, which protect little, then the largest, the most
        informative), and stays shown when nothing linked to it becomes recoverable."""
        hide = set(hide)
        changed = True
        while changed:  # a complement kept only to protect one since shown is not needed
            changed = False
            for key in sorted(hide - primary, key=self._preference, reverse=True):
                rest = hide - {key}
                linked = {
                    k
                    for i in self._equations_of(key)
                    for k in (self.equations[i][0], *self.equations[i][1])
                }
                if not self.recoverable(rest, near=linked):
                    hide, changed = rest, True
        return hide

    def _preference(self, key: Key) -> tuple[bool, bool, int, str]:
        value = self.values[key]
        return (key in self.totals, value == 0, value, repr(key))


@njit(cache=True)
def _echelon(matrix: np.ndarray) -> np.ndarray:
    """Gauss-Jordan elimination with partial pivoting, in place: for each column, whether
    its key is free, i.e. not pinned down by the equations (x_k is pinned exactly when the
    reduced row with its pivot has no other non-zero entry). Compiled loops, not LAPACK:
    for these small matrices, called thousands of times, a threaded SVD spent most of its
    time waiting for threads, and a numpy loop in Python on calls."""
    rows, columns = matrix.shape
    free = np.ones(columns, dtype=np.bool_)
    pivot_column = np.full(rows, -1)
    r = 0
    for c in range(columns):
        if r == rows:
            break
        p = r
        for i in range(r + 1, rows):
            if abs(matrix[i, c]) > abs(matrix[p, c]):
                p = i
        if abs(matrix[p, c]) < _TOLERANCE:
            continue
        pivot = matrix[p, c]
        for j in range(columns):
            top = matrix[r, j]
            matrix[r, j] = matrix[p, j] / pivot
            if p != r:
                matrix[p, j] = top
        for i in range(rows):
            if i != r and matrix[i, c] != 0.0:
                factor = matrix[i, c]
                for j in range(columns):
                    matrix[i, j] -= factor * matrix[r, j]
        pivot_column[r] = c
        r += 1
    for row in range(r):
        c = pivot_column[row]
        alone = True
        for j in range(columns):
            if j != c and abs(matrix[row, j]) > _TOLERANCE:
                alone = False
        free[c] = not alone
    return free
