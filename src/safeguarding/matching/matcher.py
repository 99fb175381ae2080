"""The matcher: one index per signal type over all banks, kept current from the change log.

Reads follow `bank_changes` incrementally (no rebuilds), so a bank write made by this
process, the CLI or another API replica shows in matches within `refresh_seconds`.
Everything that differs between signal types comes from the type (`hashing.base`): its
index class, how far its index searches for the enabled banks, what a query searches, how a
bank's policy judges a hit, its do-not-match index and distance. No type is named here.
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
from typing import TYPE_CHECKING

from safeguarding.banks.model import Bank, BankEntry
from safeguarding.banks.policy import BankPolicy
from safeguarding.banks.store import BankStore, Change
from safeguarding.config import Settings
from safeguarding.errors import InvalidInputError
from safeguarding.hashing.hasher import ContentHashes
from safeguarding.hashing.policy import Candidate
from safeguarding.hashing.registry import SIGNAL_TYPES, get_signal_type, signal_types
from safeguarding.matching.index import IndexHit, SignalIndex
from safeguarding.matching.result import Match, MatchResult
from safeguarding.store.db import Database

if TYPE_CHECKING:
    pass

SNAPSHOT_MANIFEST = "snapshot.json"
#: 2: every signal type's index listed in `signal_types` (1 kept vPDQ's apart)
SNAPSHOT_FORMAT = 2

#: a change id missing from the log may belong to a transaction still committing
#: (PostgreSQL sequences); such gaps are re-read for this long before given up as rollbacks
GAP_SECONDS = 60.0
#: change-log rows a refresh reads at a time (it reads on until it has them all)
REFRESH_BATCH = 50_000


@dataclass(frozen=True)
class QuerySignal:
    type: str
    value: str
    quality: int | None = None
    #: (variant name, value) pairs searched instead of `value` alone (rotations, views)
    variants: tuple[tuple[str, str], ...] = ()

    def searched(self) -> list[tuple[str | None, str]]:
        return [(None, self.value)] if not self.variants else list(self.variants)


def query_from_hashes(hashes: ContentHashes) -> list[QuerySignal]:
    """Every signal of the content with what its type searches for it (each PDQ view with
    its rotations and flips, named `rotate90` or `trimmed/rotate90` in match results)."""
    return [
        QuerySignal(s.type, s.value, s.quality, get_signal_type(s.type).variants(s))
        for s in hashes.signals
    ]


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
    """`settings`: what signal types read at match time (the do-not-match distances)."""

    def __init__(
        self,
        db: Database,
        *,
        refresh_seconds: float = 0.5,
        settings: Settings | None = None,
        store: BankStore | None = None,
        snapshot_dir: Path | None = None,
    ) -> None:
        self.db = db
        self.settings = settings or Settings()
        self.snapshot_dir = snapshot_dir
        self.loaded_from_snapshot = False
        self.store = store or BankStore()
        self.refresh_seconds = refresh_seconds
        #: held to read or change the indexes; never across a database round trip once loaded
        self._lock = threading.RLock()
        #: held by the one thread reading the change log (matches go on meanwhile); taken
        #: before `_lock` wherever both are
        self._refreshing = threading.RLock()
        self._indexes: dict[str, SignalIndex] = {}
        self._dnm: dict[str, SignalIndex] = {}
        #: per signal type, how far its index searches: the most any enabled bank needs
        self._thresholds: dict[str, int] = {}
        self._last_change = 0
        self._gaps = _Gaps()
        self._checked_at = 0.0
        self._dirty = True
        self.loaded = False

    # --- keeping current ---------------------------------------------------------------
    def load(self) -> None:
        """Build every index from the database (once, at start-up), or map a snapshot's files
        and apply only the changes made since it was taken."""
        if self.snapshot_dir is not None and (self.snapshot_dir / SNAPSHOT_MANIFEST).is_file():
            self._load_snapshot(self.snapshot_dir)
            self.refresh()
            return
        with self._refreshing, self._lock, self.db.read() as session:
            self._last_change = self.store.last_change_id(session)
            for signal_type in signal_types():
                name = signal_type.name
                self._indexes[name] = signal_type.get_index_cls().build(
                    self.store.index_values(session, name)
                )
                self._dnm[name] = signal_type.get_do_not_match_index_cls().build(
                    self.store.do_not_match_values(session, name)
                )
            self._thresholds = search_thresholds(self.store.enabled_policies(session))
            self._checked_at = time.monotonic()
            self._dirty = False
            self.loaded = True
        self.refresh()  # changes committed while we were loading

    def save_snapshot(self, folder: Path) -> None:
        """Write every index and the change-log position to `folder`, replacing it whole:
        files are written to a sibling folder that is then renamed into place."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        with self._refreshing, self._lock:
            self.maybe_refresh()
            work = Path(tempfile.mkdtemp(prefix=".snapshot-", dir=folder.parent))
            for name, index in self._indexes.items():
                index.save(work / f"{name}.idx")
            for name, index in self._dnm.items():
                index.save(work / f"dnm-{name}.idx")
            manifest = {
                "format": SNAPSHOT_FORMAT,
                "last_change": self._last_change,
                "pending_gaps": sorted(self._gaps.first_seen),
                "signal_types": sorted(self._indexes),
                "dnm": sorted(self._dnm),
            }
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
        if manifest.get("format") not in (1, SNAPSHOT_FORMAT):
            raise InvalidInputError(
                "index_dir", f"{folder}: unknown snapshot format {manifest.get('format')!r}"
            )
        names = list(manifest["signal_types"])
        if manifest["format"] == 1:  # it kept vPDQ's index beside the others, unlisted
            names += [
                t.name
                for t in signal_types()
                if t.name not in names and (folder / f"{t.name}.idx").is_file()
            ]
        with self._refreshing, self._lock, self.db.read() as session:
            self._indexes = {
                name: get_signal_type(name).get_index_cls().load(folder / f"{name}.idx")
                for name in names
            }
            self._dnm = {
                name: get_signal_type(name)
                .get_do_not_match_index_cls()
                .load(folder / f"dnm-{name}.idx")
                for name in manifest["dnm"]
            }
            self._last_change = int(manifest["last_change"])
            now = time.monotonic()
            self._gaps.first_seen = {int(g): now for g in manifest["pending_gaps"]}
            self._thresholds = search_thresholds(self.store.enabled_policies(session))
            self._checked_at = now
            self.loaded = self.loaded_from_snapshot = True

    def mark_dirty(self) -> None:
        self._dirty = True

    def refresh(self) -> int:
        """Apply changes committed since the last refresh, all of them (read REFRESH_BATCH
        at a time: an exchange's page can log 200,000). Returns how many were applied.
        The change log and the new entries' values are read without holding the indexes'
        lock (matches in other threads go on with the indexes as they are), then applied
        under it, a batch at a time."""
        with self._refreshing:
            self._dirty = False  # a change marked from here on is read by the next refresh
            try:
                applied = 0
                while True:
                    read = self._refresh()
                    applied += read
                    if read < REFRESH_BATCH:
                        return applied
            except BaseException:
                self._dirty = True
                raise

    def _refresh(self) -> int:
        with self.db.read() as session:
            now = time.monotonic()
            changes = self.store.changes_since(
                session, self._last_change, limit=REFRESH_BATCH, also=self._gaps.first_seen
            )
            last = self._last_change
            removes: dict[str, list[int]] = defaultdict(list)
            adds: dict[str, list[int]] = defaultdict(list)
            dnm_removes: dict[str, list[int]] = defaultdict(list)
            dnm_adds: dict[str, list[int]] = defaultdict(list)
            bank_changed = False
            for change in changes:
                last = max(last, change.id)
                kind = change.signal_type or ""
                if change.op == "bank":
                    bank_changed = True
                elif kind not in SIGNAL_TYPES:
                    continue  # a type this process has not registered: it cannot be queried
                elif change.op == "add":
                    adds[kind].append(change.entry_id or 0)
                elif change.op == "remove":
                    removes[kind].append(change.entry_id or 0)
                    adds[kind] = [i for i in adds[kind] if i != change.entry_id]
                elif change.op == "dnm_add":
                    dnm_adds[kind].append(change.entry_id or 0)
                elif change.op == "dnm_remove":
                    dnm_removes[kind].append(change.entry_id or 0)
            # read here, in the session (index_values streams)
            values = {k: list(self.store.index_values(session, k, i)) for k, i in adds.items()}
            dnm_values = {
                kind: self.store.do_not_match_values(session, kind, ids)
                for kind, ids in dnm_adds.items()
            }
            policies = self.store.enabled_policies(session) if bank_changed else None
        with self._lock:
            self._gaps.note(changes, self._last_change, now)
            self._last_change = last
            # removals first, as they were read: an entry added and removed since the last
            # refresh is in neither list's effect
            for kind, ids in removes.items():
                self._index(kind).remove(ids)
            for kind, ids in dnm_removes.items():
                self._dnm_index(kind).remove(ids)
            for kind, pairs in values.items():
                self._index(kind).add(pairs)
            for kind, pairs in dnm_values.items():
                self._dnm_index(kind).add(pairs)
            if policies is not None:
                self._thresholds = search_thresholds(policies)
            self._checked_at = now
        return len(changes)

    def maybe_refresh(self) -> None:
        """Refresh when a change was made in this process (the next match must see it), or
        when `refresh_seconds` have passed; then only one thread reads the change log and
        the others match with the indexes as they are rather than wait for it."""
        if not self.loaded:
            self.load()
        elif self._dirty:
            self.refresh()
        elif self._due() and self._refreshing.acquire(blocking=False):
            try:
                if self._due():  # not done by another thread meanwhile
                    self.refresh()
            finally:
                self._refreshing.release()

    def _due(self) -> bool:
        return time.monotonic() - self._checked_at >= self.refresh_seconds

    def _index(self, name: str) -> SignalIndex:
        if name not in self._indexes:
            self._indexes[name] = SIGNAL_TYPES[name].get_index_cls().build([])
        return self._indexes[name]

    def _dnm_index(self, name: str) -> SignalIndex:
        if name not in self._dnm:
            self._dnm[name] = SIGNAL_TYPES[name].get_do_not_match_index_cls().build([])
        return self._dnm[name]

    @property
    def position(self) -> int:
        """The id of the last bank change this process's indexes include."""
        return self._last_change

    def size(self) -> dict[str, int]:
        return {name: len(index) for name, index in self._indexes.items()}

    # --- matching ----------------------------------------------------------------------
    def match(self, signals: Iterable[QuerySignal]) -> MatchResult:
        self.maybe_refresh()
        candidates: list[tuple[QuerySignal, str | None, IndexHit]] = []
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
            live = {
                entry.id: (entry, bank)
                for entry, bank in self.store.entries_with_banks(
                    session, {c[2].id for c in candidates}
                )
            }
        best: dict[int, Match] = {}
        for signal, variant, hit in candidates:
            if hit.id not in live:
                continue  # removed since the index last refreshed
            entry, bank = live[hit.id]
            candidate = Candidate(float(hit.distance), signal.quality, hit.detail())
            if not bank.enabled or not bank.policy.for_type(signal.type).accepts(candidate):
                continue
            found = _match(entry, bank, signal, variant, candidate)
            if hit.id not in best or found.distance < best[hit.id].distance:
                best[hit.id] = found
        matches = sorted(best.values(), key=lambda m: (m.distance, m.bank, m.entry_id))
        return MatchResult(matches, suppressed)

    def _candidates(
        self, signal: QuerySignal
    ) -> Iterable[tuple[QuerySignal, str | None, IndexHit]]:
        index = self._indexes.get(signal.type)
        if index is None:
            return
        searched = signal.searched()
        threshold = self._thresholds.get(signal.type, 0)
        hits: list[list[IndexHit]] = index.query_many([v for _, v in searched], threshold)
        for (variant, _), variant_hits in zip(searched, hits, strict=True):
            for hit in variant_hits:
                yield signal, variant, hit

    def _suppressed(self, signal: QuerySignal) -> bool:
        index = self._dnm.get(signal.type)
        if index is None or len(index) == 0:
            return False
        threshold = SIGNAL_TYPES[signal.type].do_not_match_distance(self.settings)
        return any(index.query(value, threshold) for _, value in signal.searched())


def search_thresholds(policies: list[BankPolicy]) -> dict[str, int]:
    """Per signal type, the largest distance any enabled bank's policy needs searched."""
    return {
        t.name: max((p.for_type(t.name).search_threshold() for p in policies), default=0)
        for t in signal_types()
    }


def _match(
    entry: BankEntry, bank: Bank, signal: QuerySignal, variant: str | None, candidate: Candidate
) -> Match:
    return Match(
        bank=bank.name,
        entry_id=entry.id,
        signal_type=entry.signal_type,
        distance=candidate.distance,
        action=bank.policy.action,
        quality=signal.quality,
        variant=variant,
        labels=entry.labels,
        source=bank.source,
        source_ref=entry.source_ref,
        detail=dict(candidate.detail),
        entry_view=entry.metadata.get("view"),
    )
