"""Exact lookup for cryptographic digests (MD5, SHA-256), and for any value that only matches
itself (a vPDQ on the do-not-match list): a dictionary.

File format: UTF-8 text, a first line `safeguarding-exact-index 2 <label>`, then one
`<id>\t<value>` per line, the value with Python's `unicode_escape` (a line break is `\\n`,
a backslash `\\\\`; hex digests are unchanged). Version 1 wrote values as they were, which
broke on a value with a line break; it is still read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Self

from safeguarding.errors import SafeguardingError
from safeguarding.matching.index import IndexHit

_MAGIC = "safeguarding-exact-index"
_VERSION = 2


class ExactIndex:
    def __init__(self, signal_type: str) -> None:
        self.signal_type = signal_type
        self._by_value: dict[str, set[int]] = {}
        self._by_id: dict[int, str] = {}

    @classmethod
    def build(cls, items: Iterable[tuple[int, str]], signal_type: str = "exact") -> Self:
        index = cls(signal_type)
        index.add(items)
        return index

    def add(self, items: Iterable[tuple[int, str]]) -> None:
        for entry_id, value in items:
            if entry_id in self._by_id:
                continue
            self._by_id[entry_id] = value
            self._by_value.setdefault(value, set()).add(entry_id)

    def remove(self, ids: Iterable[int]) -> None:
        for entry_id in ids:
            value = self._by_id.pop(entry_id, None)
            if value is None:
                continue
            holders = self._by_value[value]
            holders.discard(entry_id)
            if not holders:
                del self._by_value[value]

    def query(self, value: str, threshold: int = 0) -> list[IndexHit]:
        return [IndexHit(i, 0) for i in sorted(self._by_value.get(value, ()))]

    def query_many(self, values: Sequence[str], threshold: int = 0) -> list[list[IndexHit]]:
        return [self.query(v) for v in values]

    def save(self, path: Path) -> None:
        with path.open("w", encoding="utf-8") as out:
            out.write(f"{_MAGIC} {_VERSION} {self.signal_type}\n")
            for entry_id, value in self._by_id.items():
                out.write(f"{entry_id}\t{_escape(value)}\n")

    @classmethod
    def load(cls, path: Path) -> Self:
        with path.open(encoding="utf-8") as stream:
            header = stream.readline().rstrip("\n").split(" ", 2)
            if len(header) < 2 or header[0] != _MAGIC or header[1] not in ("1", "2"):
                raise SafeguardingError(f"{path}: not an exact index file")
            index = cls(header[2] if len(header) > 2 else "")
            pairs = (line.rstrip("\n").split("\t", 1) for line in stream if line.strip())
            read = _unescape if header[1] == "2" else str
            index.add((int(i), read(v)) for i, v in pairs)
        return index

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._by_id


def _escape(value: str) -> str:
    return value.encode("unicode_escape").decode("ascii")


def _unescape(text: str) -> str:
    return text.encode("ascii").decode("unicode_escape")
