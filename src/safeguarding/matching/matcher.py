"""The matcher: one index per signal type over all banks, kept current from the change log.

Reads follow `bank_changes` incrementally (no rebuilds), so a bank write made by this
process, the CLI or another API replica shows in matches within `refresh_seconds`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from safeguarding.banks.model import Bank, BankEntry
from safeguarding.errors import InvalidInputError
from safeguarding.hashing.hasher import ContentHashes
from safeguarding.hashing.pdq import DIHEDRAL_VARIANTS
from safeguarding.matching.exact import ExactIndex
from safeguarding.matching.index import IndexHit, SignalIndex
from safeguarding.matching.pdq_index import PDQIndex
from safeguarding.matching.result import Match, MatchResult
from safeguarding.matching.vpdq_index import VpdqIndex
from safeguarding.store.banks import BankStore, Change
from safeguarding.store.db import Database

SNAPSHOT_MANIFEST = "snapshot.json"
_INDEX_TYPES: dict[str, type[PDQIndex] | type[ExactIndex]] = {
    "pdq": PDQIndex, "md5": ExactIndex, "sha256": ExactIndex}

#: a change id missing from the log may belong to a transaction still committing
#: (PostgreSQL sequences); such gaps are re-read for this long before given up as rollbacks
GAP_SECONDS = 60.0


@dataclass(frozen=True)
class QuerySignal:
    type: str
    value: str
    quality: int | None = None
    #: (variant name, value) pairs searched in addition to `value` (dihedral PDQ)
    variants: tuple[tuple[str, str], ...] = ()

    def searched(self) -> list[tuple[str | None, str]]:
        return [(None, self.value)] if not self.variants else list(self.variants)


def query_from_hashes(hashes: ContentHashes) -> list[QuerySignal]:
    """Every signal of the content, each PDQ view with its rotations and flips, named
    `rotate90` or `trimmed/rotate90` in match results."""
    out = []
    for signal in hashes.signals:
        prefix = f"{signal.view}/" if signal.view else ""
        variants: tuple[tuple[str, str], ...] = ((f"{prefix}original", signal.value),) if (
            signal.view) else ()
        if signal.rotations:
            variants = tuple((prefix + name, value) for name, value in
                             zip(DIHEDRAL_VARIANTS, signal.rotations, strict=True))
        out.append(QuerySignal(signal.type, signal.value, signal.quality, variants))
    return out


@dataclass
class _Gaps:
    first_seen: dict[int, float] = field(default_factory=dict)

    def note(self, changes: Sequence[Change], last: int, now: float) -> None:
        previous = last
        for change in changes:
            self.first_seen.pop(change.id, None)
            if change.id > previous + 1:
                for missing in range(previous + 1, min(change.id, previous + 10_001)):
                    self.first_seen.setdefault(missing, now)
            previous = max(previous, change.id)
        for gap, seen in list(self.first_seen.items()):
            if now - seen > GAP_SECONDS:
                del self.first_seen[gap]


class Matcher:
    def __init__(self, db: Database, *, refresh_seconds: float = 0.5,
                 do_not_match_pdq_distance: int = 10, store: BankStore | None = None,
                 snapshot_dir: Path | None = None) -> None:
        self.db = db
        self.snapshot_dir = snapshot_dir
        self.loaded_from_snapshot = False
        self.store = store or BankStore()
        self.refresh_seconds = refresh_seconds
        self.dnm_pdq_distance = do_not_match_pdq_distance
        self._lock = threading.RLock()
        self._indexes: dict[str, SignalIndex] = {}
        self._vpdq = VpdqIndex()
        self._dnm: dict[str, SignalIndex] = {}
        self._last_change = 0
        self._gaps = _Gaps()
        self._max_pdq_threshold = 0
        self._checked_at = 0.0
        self._dirty = True
        self.loaded = False

    @staticmethod
    def _new_index(signal_type: str) -> SignalIndex:
        return PDQIndex() if signal_type == "pdq" else ExactIndex(signal_type)

    # --- keeping current ---------------------------------------------------------------
    def load(self) -> None:
        """Build every index from the database (once, at start-up), or map a snapshot's files
        and apply only the changes made since it was taken."""
        if self.snapshot_dir is not None and (self.snapshot_dir / SNAPSHOT_MANIFEST).is_file():
            self._load_snapshot(self.snapshot_dir)
            self.refresh()
            return
        with self._lock, self.db.read() as session:
            self._last_change = self.store.last_change_id(session)
            for signal_type in ("pdq", "md5", "sha256"):
                self._indexes[signal_type] = self._new_index(signal_type)
                self._indexes[signal_type].add(self.store.index_values(session, signal_type))
                self._dnm[signal_type] = self._new_index(signal_type)
                self._dnm[signal_type].add(self.store.do_not_match_values(session, signal_type))
            self._vpdq = VpdqIndex.build(self.store.index_values(session, "vpdq"))
            self._max_pdq_threshold = self.store.max_thresholds(session)
            self._checked_at = time.monotonic()
            self._dirty = False
            self.loaded = True
        self.refresh()  # changes committed while we were loading

    def save_snapshot(self, folder: Path) -> None:
        """Write every index and the change-log position to `folder`, replacing it whole:
        files are written to a sibling folder that is then renamed into place."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self.maybe_refresh()
            work = Path(tempfile.mkdtemp(prefix=".snapshot-", dir=folder.parent))
            for name, index in self._indexes.items():
                index.save(work / f"{name}.idx")
            for name, index in self._dnm.items():
                index.save(work / f"dnm-{name}.idx")
            self._vpdq.save(work / "vpdq.idx")
            manifest = {"format": 1, "last_change": self._last_change,
                        "pending_gaps": sorted(self._gaps.first_seen),
                        "signal_types": sorted(self._indexes), "dnm": sorted(self._dnm)}
            (work / SNAPSHOT_MANIFEST).write_text(json.dumps(manifest))
            if folder.exists():
                old = folder.with_name(f".old-{folder.name}-{os.getpid()}")
                folder.rename(old)
                work.rename(folder)
                shutil.rmtree(old, ignore_errors=True)
            else:
                work.rename(folder)

    def _load_snapshot(self, folder: Path) -> None:
        manifest = json.loads((folder / SNAPSHOT_MANIFEST).read_text())
        if manifest.get("format") != 1:
            raise InvalidInputError("index_dir", f"{folder}: unknown snapshot format "
                                        f"{manifest.get('format')!r}")
        with self._lock, self.db.read() as session:
            self._indexes = {name: _INDEX_TYPES[name].load(folder / f"{name}.idx")
                             for name in manifest["signal_types"]}
            self._dnm = {name: _INDEX_TYPES[name].load(folder / f"dnm-{name}.idx")
                         for name in manifest["dnm"]}
            self._vpdq = VpdqIndex.load(folder / "vpdq.idx")
            self._last_change = int(manifest["last_change"])
            now = time.monotonic()
            self._gaps.first_seen = {int(g): now for g in manifest["pending_gaps"]}
            self._max_pdq_threshold = self.store.max_thresholds(session)
            self._checked_at = now
            self.loaded = self.loaded_from_snapshot = True

    def mark_dirty(self) -> None:
        self._dirty = True

    def refresh(self) -> int:
        """Apply changes committed since the last refresh. Returns how many were applied."""
        with self._lock, self.db.read() as session:
            now = time.monotonic()
            changes = self.store.changes_since(session, self._last_change,
                                               also=self._gaps.first_seen)
            self._gaps.note(changes, self._last_change, now)
            adds: dict[str, list[int]] = defaultdict(list)
            dnm_adds: dict[str, list[int]] = defaultdict(list)
            bank_changed = False
            for change in changes:
                kind = change.signal_type or ""
                if change.op == "add":
                    adds[kind].append(change.entry_id or 0)
                elif change.op == "remove":
                    self._index(kind).remove([change.entry_id or 0])
                    adds[kind] = [i for i in adds[kind] if i != change.entry_id]
                elif change.op == "dnm_add":
                    dnm_adds[kind].append(change.entry_id or 0)
                elif change.op == "dnm_remove":
                    self._dnm_index(kind).remove([change.entry_id or 0])
                elif change.op == "bank":
                    bank_changed = True
                self._last_change = max(self._last_change, change.id)
            for kind, ids in adds.items():
                self._index(kind).add(self.store.index_values(session, kind, ids))
            for kind, ids in dnm_adds.items():
                self._dnm_index(kind).add(self.store.do_not_match_values(session, kind, ids))
            if bank_changed:
                self._max_pdq_threshold = self.store.max_thresholds(session)
            self._checked_at = now
            self._dirty = False
            return len(changes)

    def maybe_refresh(self) -> None:
        if not self.loaded:
            self.load()
        elif self._dirty or time.monotonic() - self._checked_at >= self.refresh_seconds:
            self.refresh()

    def _index(self, signal_type: str) -> SignalIndex:
        if signal_type == "vpdq":
            return self._vpdq  # type: ignore[return-value]  # same add/remove surface
        return self._indexes.setdefault(signal_type, self._new_index(signal_type))

    def _dnm_index(self, signal_type: str) -> SignalIndex:
        return self._dnm.setdefault(signal_type, self._new_index(signal_type))

    def size(self) -> dict[str, int]:
        sizes = {name: len(index) for name, index in self._indexes.items()}
        sizes["vpdq"] = len(self._vpdq)
        return sizes

    # --- matching ----------------------------------------------------------------------
    def match(self, signals: Iterable[QuerySignal]) -> MatchResult:
        self.maybe_refresh()
        candidates: list[tuple[QuerySignal, str | None, int, float, dict[str, float]]] = []
        suppressed: list[str] = []
        with self._lock:
            for signal in signals:
                if self._suppressed(signal):
                    suppressed.append(signal.type)
                    continue
                candidates.extend(self._candidates(signal))
        if not candidates:
            return MatchResult([], suppressed)
        with self.db.read() as session:
            live = {entry.id: (entry, bank) for entry, bank in
                    self.store.entries_with_banks(session, {c[2] for c in candidates})}
        best: dict[int, Match] = {}
        for signal, variant, entry_id, distance, detail in candidates:
            if entry_id not in live:
                continue  # removed since the index last refreshed
            entry, bank = live[entry_id]
            if not _passes(bank, signal, distance, detail):
                continue
            found = _match(entry, bank, signal, variant, distance, detail)
            if entry_id not in best or found.distance < best[entry_id].distance:
                best[entry_id] = found
        matches = sorted(best.values(), key=lambda m: (m.distance, m.bank, m.entry_id))
        return MatchResult(matches, suppressed)

    def _candidates(self, signal: QuerySignal
                    ) -> Iterable[tuple[QuerySignal, str | None, int, float, dict[str, float]]]:
        if signal.type == "vpdq":
            for video in self._vpdq.query(signal.value, self._max_pdq_threshold):
                detail = {"query_match_percent": video.query_match_percent,
                          "index_match_percent": video.index_match_percent}
                yield signal, None, video.id, 100.0 - video.query_match_percent, detail
            return
        index = self._indexes.get(signal.type)
        if index is None:
            return
        searched = signal.searched()
        threshold = self._max_pdq_threshold if signal.type == "pdq" else 0
        hits: list[list[IndexHit]] = index.query_many([v for _, v in searched], threshold)
        for (variant, _), variant_hits in zip(searched, hits, strict=True):
            for hit in variant_hits:
                yield signal, variant, hit.id, float(hit.distance), {}

    def _suppressed(self, signal: QuerySignal) -> bool:
        index = self._dnm.get(signal.type)
        if index is None or len(index) == 0:
            return False
        threshold = self.dnm_pdq_distance if signal.type == "pdq" else 0
        return any(index.query(value, threshold) for _, value in signal.searched())


def _passes(bank: Bank, signal: QuerySignal, distance: float, detail: dict[str, float]) -> bool:
    if not bank.enabled:
        return False
    policy = bank.policy
    if signal.type == "pdq":
        quality_ok = signal.quality is None or signal.quality >= policy.min_quality
        return quality_ok and distance <= policy.pdq_threshold
    if signal.type == "vpdq":
        return (detail["query_match_percent"] >= policy.vpdq_query_match_percent
                and detail["index_match_percent"] >= policy.vpdq_index_match_percent)
    return True


def _match(entry: BankEntry, bank: Bank, signal: QuerySignal, variant: str | None,
           distance: float, detail: dict[str, float]) -> Match:
    return Match(
        bank=bank.name, entry_id=entry.id, signal_type=entry.signal_type, distance=distance,
        action=bank.policy.action, quality=signal.quality, variant=variant,
        labels=entry.labels, source=bank.source, source_ref=entry.source_ref, detail=detail,
        entry_view=entry.metadata.get("view"),
    )
