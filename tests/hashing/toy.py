"""A toy perceptual signal type, written as a plugin would be: one module, nothing else changed.

`toyhist` is a coarse 8-bin brightness histogram written `12,0,255,...`; two values are as
far apart as the sum of their bins' differences (L1, 0-2040). Its index is a plain scan with
its own text file; a bank says how far a match may be (`max_distance`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from safeguarding.config import Settings
from safeguarding.errors import SafeguardingError, SignalError
from safeguarding.hashing.base import Comparison, SignalType
from safeguarding.hashing.policy import Candidate, SignalPolicy, setting
from safeguarding.matching.index import IndexHit, SignalIndex

BINS = 8
_MAGIC = "toyhist-index 1"


def distance(a: str, b: str) -> int:
    return sum(abs(int(x) - int(y)) for x, y in zip(a.split(","), b.split(","), strict=True))


@dataclass(frozen=True)
class ToyPolicy(SignalPolicy):
    max_distance: int = setting(40, 0, 255 * BINS, "largest L1 distance that matches")

    def search_threshold(self) -> int:
        return self.max_distance

    def accepts(self, candidate: Candidate) -> bool:
        return candidate.distance <= self.max_distance


class ToyIndex:
    """Every query scans every value: exact, and enough for a toy."""

    def __init__(self) -> None:
        self._values: dict[int, str] = {}

    @classmethod
    def build(cls, items: Iterable[tuple[int, str]]) -> Self:
        index = cls()
        index.add(items)
        return index

    def add(self, items: Iterable[tuple[int, str]]) -> None:
        for entry_id, value in items:
            self._values.setdefault(entry_id, value)

    def remove(self, ids: Iterable[int]) -> None:
        for entry_id in ids:
            self._values.pop(entry_id, None)

    def query(self, value: str, threshold: int) -> list[IndexHit]:
        found = ((i, distance(value, v)) for i, v in self._values.items())
        return sorted(
            (IndexHit(i, d) for i, d in found if d <= threshold),
            key=lambda hit: (hit.distance, hit.id),
        )

    def query_many(self, values: Sequence[str], threshold: int) -> list[list[IndexHit]]:
        return [self.query(value, threshold) for value in values]

    def save(self, path: Path) -> None:
        lines = [_MAGIC, *(f"{i}\t{v}" for i, v in self._values.items())]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Self:
        header, *lines = path.read_text(encoding="utf-8").splitlines()
        if header != _MAGIC:
            raise SafeguardingError(f"{path}: not a toyhist index")
        return cls.build((int(i), v) for i, v in (line.split("\t") for line in lines))

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._values


class ToyHistSignal(SignalType):
    name = "toyhist"
    perceptual = True
    Policy = ToyPolicy

    @classmethod
    def validate(cls, value: str) -> str:
        parts = value.strip().split(",") if isinstance(value, str) else []
        if len(parts) != BINS or not all(
            re.fullmatch(r"\s*[0-9]{1,3}\s*", p) and int(p) <= 255 for p in parts
        ):
            raise SignalError(
                f"invalid toyhist: expected {BINS} numbers 0-255, got {str(value)[:80]!r}"
            )
        return ",".join(str(int(p)) for p in parts)

    @classmethod
    def compare(cls, a: str, b: str, threshold: int | None = None) -> Comparison:
        found = distance(cls.validate(a), cls.validate(b))
        limit = ToyPolicy.max_distance if threshold is None else threshold
        return Comparison(matched=found <= limit, distance=found)

    @classmethod
    def examples(cls) -> list[str]:
        return ["10,20,30,40,50,60,70,80", "255,0,255,0,255,0,255,0"]

    @classmethod
    def get_index_cls(cls) -> type[SignalIndex]:
        return ToyIndex

    @classmethod
    def do_not_match_distance(cls, settings: Settings) -> int:
        return 8
