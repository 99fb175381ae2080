"""vPDQ index: every distinct good-quality frame hash of every bank video in one PDQ index.

A query video's distinct frames are looked up once each, within the threshold (a frame
distance in bits); per bank video we count how many query frames found one of its frames
(query match percent) and how many of its frames were found (index match percent), as Meta's
vpdq matcher does. A hit's distance is 100 minus the query match percent.

File format: UTF-8 text, first line `safeguarding-vpdq-index 1`, then `<id>\t<value>` with the
frames of the value separated by `;`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from safeguarding.errors import SafeguardingError
from safeguarding.hashing.vpdq import QUALITY_THRESHOLD, distinct_hashes, parse_frames
from safeguarding.matching.index import IndexHit
from safeguarding.matching.pdq_index import PdqIndex

_MAGIC = "safeguarding-vpdq-index 1"


@dataclass(frozen=True, slots=True)
class VpdqHit(IndexHit):
    query_match_percent: float
    index_match_percent: float

    def detail(self) -> dict[str, float]:
        return {
            "query_match_percent": self.query_match_percent,
            "index_match_percent": self.index_match_percent,
        }


class VpdqIndex:
    def __init__(self) -> None:
        self._frames = PdqIndex()
        self._values: dict[int, str] = {}
        self._slots: dict[int, list[int]] = {}  # entry id -> frame slot ids
        self._slot_entry: dict[int, int] = {}
        self._next_slot = 0

    @classmethod
    def build(cls, items: Iterable[tuple[int, str]]) -> Self:
        index = cls()
        index.add(items)
        return index

    def add(self, items: Iterable[tuple[int, str]]) -> None:
        pairs: list[tuple[int, str]] = []
        for entry_id, value in items:
            if entry_id in self._values:
                continue
            self._values[entry_id] = value
            slots = []
            for frame_hash in sorted(distinct_hashes(parse_frames(value), QUALITY_THRESHOLD)):
                slot = self._next_slot
                self._next_slot += 1
                slots.append(slot)
                self._slot_entry[slot] = entry_id
                pairs.append((slot, frame_hash))
            self._slots[entry_id] = slots
        self._frames.add(pairs)

    def remove(self, ids: Iterable[int]) -> None:
        for entry_id in ids:
            if self._values.pop(entry_id, None) is None:
                continue
            slots = self._slots.pop(entry_id)
            for slot in slots:
                del self._slot_entry[slot]
            self._frames.remove(slots)

    def query(self, value: str, threshold: int) -> list[IndexHit]:
        query_hashes = sorted(distinct_hashes(parse_frames(value), QUALITY_THRESHOLD))
        if not query_hashes:
            return []
        matched_query: dict[int, int] = defaultdict(int)
        matched_slots: dict[int, set[int]] = defaultdict(set)
        for frame_hits in self._frames.query_many(query_hashes, threshold):
            entries_hit = set()
            for hit in frame_hits:
                entry_id = self._slot_entry[hit.id]
                matched_slots[entry_id].add(hit.id)
                entries_hit.add(entry_id)
            for entry_id in entries_hit:
                matched_query[entry_id] += 1
        hits: list[IndexHit] = []
        for entry_id in sorted(matched_query):
            query_percent = 100.0 * matched_query[entry_id] / len(query_hashes)
            index_percent = (
                100.0 * len(matched_slots[entry_id]) / max(1, len(self._slots[entry_id]))
            )
            hits.append(VpdqHit(entry_id, 100.0 - query_percent, query_percent, index_percent))
        return hits

    def query_many(self, values: Sequence[str], threshold: int) -> list[list[IndexHit]]:
        return [self.query(value, threshold) for value in values]

    def save(self, path: Path) -> None:
        with path.open("w", encoding="utf-8") as out:
            out.write(_MAGIC + "\n")
            for entry_id, value in self._values.items():
                out.write(f"{entry_id}\t{value.replace(chr(10), ';')}\n")

    @classmethod
    def load(cls, path: Path) -> Self:
        with path.open(encoding="utf-8") as stream:
            if stream.readline().rstrip("\n") != _MAGIC:
                raise SafeguardingError(f"{path}: not a vPDQ index file")
            pairs = (line.rstrip("\n").split("\t", 1) for line in stream if line.strip())
            return cls.build((int(i), v) for i, v in pairs)

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._values
