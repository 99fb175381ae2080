"""Attribution of police records to platforms, the NSPCC's method: count the records whose
text names each platform, and give each count as a share of the records that name any.

Counting rules (docs/insights.md):
- A record naming two platforms counts once for each, so the shares add up to more than
  100%. A group of platforms ("Meta's apps") is given two ways: the sum of its members'
  counts, as releases sum them (which counts a record naming two members twice), and the
  records naming any member (each record once).
- Year-on-year change compares only the forces that have records in both years, so a force
  that answered one request and not the other does not read as a rise or a fall.

Counts are kept per force and year as records stream past (one small row of integers per
force and year, never the records), and any breakdown is summed from those."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise

from safeguarding.errors import InvalidInputError
from safeguarding.insights.figures import change
from safeguarding.insights.intervals import Proportion
from safeguarding.insights.keywordset import KeywordSet
from safeguarding.insights.matcher import Finder, Matcher
from safeguarding.insights.records import Record

DIMENSIONS = ("force", "year")
DOUBLE_COUNTING_NOTE = (
    "A record naming several platforms counts once for each, so shares add up to more than "
    "100%. A group's 'summed' count adds its members' counts and counts a record naming two "
    "of them twice; 'naming any' counts each record once."
)


def check_dimensions(by: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [d for d in by if d not in DIMENSIONS]
    if unknown:
        raise InvalidInputError(
            "by", f"unknown breakdown {unknown[0]!r}; choose from {', '.join(DIMENSIONS)}"
        )
    return by


@dataclass
class _Cell:
    """One force in one year."""

    records: int
    naming: int
    platforms: list[int]
    groups: list[int]

    def add(self, other: _Cell) -> None:
        self.records += other.records
        self.naming += other.naming
        self.platforms = [a + b for a, b in zip(self.platforms, other.platforms, strict=True)]
        self.groups = [a + b for a, b in zip(self.groups, other.groups, strict=True)]


@dataclass(frozen=True)
class PlatformShare:
    key: str
    label: str
    share: Proportion  # records naming it, of records naming any platform


@dataclass(frozen=True)
class GroupShare:
    name: str
    members: tuple[str, ...]
    summed: Proportion  # the members' counts added up (double counts), of records naming any
    naming_any: Proportion  # records naming at least one member


@dataclass(frozen=True)
class Breakdown:
    force: str | None  # None: all forces together
    year: str | None
    records: int
    naming_any: int
    platforms: tuple[PlatformShare, ...]
    groups: tuple[GroupShare, ...]


@dataclass(frozen=True)
class PlatformChange:
    key: str
    before: int
    after: int
    percent: Decimal | None


@dataclass(frozen=True)
class Change:
    """From one year to the next, over the forces with records in both."""

    from_year: str
    to_year: str
    forces: tuple[str, ...]
    records_before: int
    records_after: int
    percent: Decimal | None
    platforms: tuple[PlatformChange, ...] = field(default=())


class Attribution:
    def __init__(self, keywords: KeywordSet, matcher: Finder | None = None) -> None:
        self.keywords = keywords
        self.matcher = matcher or Matcher(keywords)
        self._cells: dict[tuple[str, str], _Cell] = {}
        keys = keywords.keys
        self._group_members = [
            frozenset(keys.index(k) for k in members) for members in keywords.groups.values()
        ]

    def add(self, force: str, year: str, text: str) -> tuple[int, ...]:
        """Count one record; returns the platforms it names (positions in the keyword set)."""
        found = self.matcher.indices(text)
        cell = self._cells.get((force, year))
        if cell is None:
            cell = self._cells[(force, year)] = self._empty()
        cell.records += 1
        if found:
            cell.naming += 1
            counts = cell.platforms
            for index in found:
                counts[index] += 1
            for g, members in enumerate(self._group_members):
                if not members.isdisjoint(found):
                    cell.groups[g] += 1
        return found

    def add_records(self, records: Iterable[Record]) -> Attribution:
        for record in records:
            self.add(record.force, record.year, record.text)
        return self

    def _empty(self) -> _Cell:
        return _Cell(0, 0, [0] * len(self.keywords.platforms), [0] * len(self._group_members))

    @property
    def years(self) -> list[str]:
        return sorted({year for _, year in self._cells})

    def breakdowns(self, by: tuple[str, ...] = ()) -> list[Breakdown]:
        """Totals per value of the chosen dimensions ("force", "year"), in sorted order."""
        check_dimensions(by)
        merged: dict[tuple[str | None, str | None], _Cell] = {}
        for (force, year), cell in self._cells.items():
            key = (force if "force" in by else None, year if "year" in by else None)
            merged.setdefault(key, self._empty()).add(cell)
        return [
            self._breakdown(key, merged[key])
            for key in sorted(merged, key=lambda k: (k[0] or "", k[1] or ""))
        ]

    def _breakdown(self, key: tuple[str | None, str | None], cell: _Cell) -> Breakdown:
        platforms = tuple(
            PlatformShare(p.key, p.label, Proportion(count, cell.naming))
            for p, count in zip(self.keywords.platforms, cell.platforms, strict=True)
        )
        groups = tuple(
            GroupShare(
                name,
                members,
                Proportion(sum(cell.platforms[i] for i in indices), cell.naming),
                Proportion(cell.groups[g], cell.naming),
            )
            for g, ((name, members), indices) in enumerate(
                zip(self.keywords.groups.items(), self._group_members, strict=True)
            )
        )
        return Breakdown(key[0], key[1], cell.records, cell.naming, platforms, groups)

    def change(self, from_year: str, to_year: str) -> Change:
        """Records (and records naming each platform) from one year to another, over the
        forces with records in both."""
        forces = tuple(
            sorted(
                {f for f, y in self._cells if y == from_year}
                & {f for f, y in self._cells if y == to_year}
            )
        )
        before, after = self._empty(), self._empty()
        for force in forces:
            before.add(self._cells[(force, from_year)])
            after.add(self._cells[(force, to_year)])
        platforms = tuple(
            PlatformChange(p.key, b, a, change(b, a))
            for p, b, a in zip(
                self.keywords.platforms, before.platforms, after.platforms, strict=True
            )
        )
        return Change(
            from_year,
            to_year,
            forces,
            before.records,
            after.records,
            change(before.records, after.records),
            platforms,
        )

    def changes(self) -> list[Change]:
        """Each year against the one before it in the data."""
        return [self.change(a, b) for a, b in pairwise(self.years)]
