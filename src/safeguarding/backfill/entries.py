"""The entries a backfill checks against: the entries of each scanned signal type added to
any bank since a change id (and still there), one index file per type.

The bank change log says what was added after `since`; the scan stops at the log's last id
when it starts (`upto`), so a run is one fixed set and a resumed run the same set. PDQ's
file is a `PdqIndex` in its documented format (matching/pdq_index.py, no pickle), searched
at the largest threshold any enabled bank's PDQ policy needs (each hit is then judged by its
own bank's policy, as live matching judges it); MD5's and SHA-256's are sorted digest tables
(digests.py), looked up exactly. Workers memory-map the files.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from safeguarding.backfill.digests import DigestTable
from safeguarding.banks.store import BankStore
from safeguarding.errors import InvalidInputError
from safeguarding.hashing.base import SignalType
from safeguarding.hashing.exact import HexDigestSignal
from safeguarding.hashing.pdq import PdqSignal
from safeguarding.hashing.registry import get_signal_type
from safeguarding.matching.matcher import search_thresholds
from safeguarding.matching.pdq_index import PdqIndex
from safeguarding.matching.pdq_linear import hex_to_words
from safeguarding.store.db import Database

_PAGE = 50_000


def width(signal_type: type[SignalType]) -> int:
    """Bytes of one stored hash of a type the backfill scans; other types are refused."""
    if signal_type is PdqSignal:
        return 32
    if issubclass(signal_type, HexDigestSignal):
        return signal_type.hex_length // 2
    raise InvalidInputError(
        "signal_type", f"backfill scans PDQ, MD5 and SHA-256 hashes, not {signal_type.name}"
    )


def scanned(name: str) -> type[SignalType]:
    """The signal type of a stored column's name (`pdq`, `md5`, `sha256`), checked."""
    signal_type = get_signal_type(name)
    width(signal_type)
    return signal_type


@dataclass(frozen=True)
class Added:
    upto: int  # the change log's last id when the run began
    values: dict[str, list[tuple[int, str]]]  # signal type -> (entry id, value), live now
    threshold: int  # the PDQ search threshold


def added(db: Database, store: BankStore, since: int, types: list[str]) -> Added:
    """The entries of `types` added in (since, upto] and still there."""
    with db.read() as session:
        upto = store.last_change_id(session)
        wanted: dict[str, set[int]] = {t: set() for t in types}
        after = since
        while after < upto:
            changes = store.changes_since(session, after, limit=_PAGE)
            for change in changes:
                ids = wanted.get(change.signal_type or "")
                if change.id > upto or ids is None or change.entry_id is None:
                    continue
                if change.op == "add":
                    ids.add(change.entry_id)
                elif change.op == "remove":
                    ids.discard(change.entry_id)
            if len(changes) < _PAGE:
                break
            after = changes[-1].id
        values = {
            t: list(store.index_values(session, t, sorted(ids))) if ids else []
            for t, ids in wanted.items()
        }
        threshold = search_thresholds(store.enabled_policies(session))[PdqSignal.name]
    return Added(upto, values, threshold)


def write_index(signal_type: str, values: list[tuple[int, str]], path: Path) -> str:
    """Build the index of `values` into `path`; returns the file's SHA-256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ids = [i for i, _ in values]
    if signal_type == PdqSignal.name:
        words = hex_to_words([v for _, v in values])
        PdqIndex.from_arrays(np.array(ids, dtype=np.int64), words, min_delta=1).save(path)
    else:
        size = width(get_signal_type(signal_type))
        DigestTable.build(ids, [v for _, v in values], size).save(path)
    return file_digest(path)


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
