"""The entries a backfill checks against: the PDQ entries added to any bank since a change
id (and still there), as one index file.

The bank change log says what was added after `since`; the scan stops at the log's last id
when it starts (`upto`), so a run is one fixed set and a resumed run the same set. The file
is a `PdqIndex` in its documented format (matching/pdq_index.py, no pickle): workers
memory-map it. The search threshold is the largest any enabled bank's PDQ policy needs; each
hit is then judged by its own bank's policy, as live matching judges it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from safeguarding.banks.store import BankStore
from safeguarding.hashing.pdq import PdqSignal
from safeguarding.matching.matcher import search_thresholds
from safeguarding.matching.pdq_index import PdqIndex
from safeguarding.matching.pdq_linear import hex_to_words
from safeguarding.store.db import Database

_PAGE = 50_000


@dataclass(frozen=True)
class NewEntries:
    since: int
    upto: int
    count: int
    threshold: int
    path: Path  # the index file ("" when there is nothing new)
    digest: str  # SHA-256 of the file: workers cache the mapped file by it

    @property
    def empty(self) -> bool:
        return self.count == 0


def added_pdq(db: Database, store: BankStore, since: int) -> tuple[int, list[tuple[int, str]], int]:
    """(the log's last id, the live PDQ entries added in (since, upto], the threshold)."""
    with db.read() as session:
        upto = store.last_change_id(session)
        wanted: set[int] = set()
        after = since
        while after < upto:
            changes = store.changes_since(session, after, limit=_PAGE)
            for change in changes:
                if change.id > upto or change.signal_type != PdqSignal.name:
                    continue
                if change.op == "add" and change.entry_id is not None:
                    wanted.add(change.entry_id)
                elif change.op == "remove" and change.entry_id is not None:
                    wanted.discard(change.entry_id)
            if len(changes) < _PAGE:
                break
            after = changes[-1].id
        values = list(store.index_values(session, PdqSignal.name, sorted(wanted)))
        threshold = search_thresholds(store.enabled_policies(session))[PdqSignal.name]
    return upto, values, threshold


def write_index(values: list[tuple[int, str]], path: Path) -> str:
    """Build the index of `values` into `path`; returns the file's SHA-256."""
    ids = np.array([i for i, _ in values], dtype=np.int64)
    index = PdqIndex.from_arrays(ids, hex_to_words([v for _, v in values]), min_delta=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    index.save(path)
    return file_digest(path)


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
