"""The index interface: how to search many values of one signal type.

Indexes hold entry ids and values only. What an id means (bank, policy, labels) is looked
up for the few hits, so disabling a bank or changing its threshold needs no index change.
A signal type names its index class (`SignalType.get_index_cls`); the matcher builds, feeds,
queries, saves and loads every index through this protocol alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Self


@dataclass(frozen=True, slots=True)
class IndexHit:
    """An entry within the threshold, and its distance in the signal type's unit (bits for
    PDQ). An index with more to say (vPDQ's match percentages) returns a subclass."""

    id: int
    distance: float

    def detail(self) -> dict[str, float]:
        """Figures beyond the distance that a bank policy may judge (none here)."""
        return {}


class SignalIndex(Protocol):
    @classmethod
    def build(cls, items: Iterable[tuple[int, str]]) -> Self:
        """A new index over (id, canonical value) pairs."""

    def add(self, items: Iterable[tuple[int, str]]) -> None:
        """Add pairs; an id already present is left as it is."""

    def remove(self, ids: Iterable[int]) -> None:
        """Remove ids; unknown ids are ignored."""

    def query(self, value: str, threshold: int) -> list[IndexHit]:
        """Every entry within `threshold` of `value` (exact: no approximation)."""

    def query_many(self, values: Sequence[str], threshold: int) -> list[list[IndexHit]]:
        """`query` for each value, in order."""

    def save(self, path: Path) -> None:
        """Write the index to `path` in its documented format."""

    @classmethod
    def load(cls, path: Path) -> Self:
        """Read an index written by `save`."""

    def __len__(self) -> int: ...

    def __contains__(self, entry_id: int) -> bool: ...
