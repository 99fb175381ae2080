"""The backfill driver: partitions to Dask workers, candidates back, each match opened as
live matching opens it.

Runs on a `distributed.LocalCluster` (single-threaded worker processes) unless given a
scheduler's address. The new entries' indexes (one per signal type the partitions hold:
PDQ, MD5, SHA-256) are built once (entries.py), their bytes scattered to every worker once
(scan.py maps them), and one task per partition returns only candidates. Here, each
candidate content is matched by the engine's matcher with all its candidate hashes, as a
live `/v1/match/signals` item with an id is (bank policies, disabled banks, the do-not-match
list); the matches with new entries become a case through `Engine.open_match_cases`,
which opens one or joins the open case about the same content as live matching does, up to
100 cases in one write transaction with their counts (a partition's other counts in one
write). Each match is recorded in the checkpoint as soon as its case's transaction is
committed, each partition when all of it is applied.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from safeguarding.backfill.checkpoint import Checkpoint, State
from safeguarding.backfill.entries import added, file_digest, scanned, write_index
from safeguarding.backfill.scan import Candidate, PartitionResult, Shipped, scan_on_worker
from safeguarding.backfill.sources import Partition
from safeguarding.cases.intake import MatchToOpen, evidence_query
from safeguarding.cases.model import Subject
from safeguarding.engine import Engine
from safeguarding.errors import InvalidInputError, MissingDependencyError
from safeguarding.hashing.pdq import PdqSignal
from safeguarding.insights.counters import Tally
from safeguarding.matching.matcher import QuerySignal
from safeguarding.matching.result import MatchResult


def distributed() -> Any:
    try:
        import distributed as dist
    except ImportError as exc:
        raise MissingDependencyError("distributed", "backfill", "backfill scans") from exc
    return dist


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    rows: int
    matches: int
    seconds: float
    dashboard: str | None = None  # Dask's dashboard, told with the first report


@dataclass
class Report:
    since: int
    upto: int
    entries: int
    partitions: int
    resumed: int  # partitions finished by an earlier run
    rows: int = 0
    invalid: int = 0
    matches: list[tuple[str, int]] = field(default_factory=list)  # (content id, entry id)
    cases_opened: int = 0
    cases_joined: int = 0
    seconds: float = 0.0
    applying: float = 0.0  # of which the driver spent matching candidates and opening cases
    dashboard: str | None = None


#: cases opened in one write transaction: fewer commits, locks held not too long
CASES_PER_TRANSACTION = 100


class Backfill:
    def __init__(
        self,
        engine: Engine,
        partitions: Sequence[Partition],
        checkpoint: Checkpoint,
        *,
        progress: Callable[[Progress], None] | None = None,
    ) -> None:
        self.engine = engine
        self.partitions = list(partitions)
        self.checkpoint = checkpoint
        self.progress = progress
        names = [p.name for p in partitions]
        if len(set(names)) != len(names):
            raise InvalidInputError("hashes", "two partitions with one name")
        types = dict.fromkeys(t for p in partitions for t, _ in p.columns)
        self.types = [scanned(t).name for t in types]

    def shipped(self, state: State) -> list[Shipped]:
        """The indexes tasks search: one per signal type with new entries."""
        return [
            Shipped(t, digest, state.threshold if t == PdqSignal.name else 0)
            for t, digest in state.indexes.items()
        ]

    def prepare(self, since: int) -> State:
        """The run's fixed inputs: from the checkpoint, or decided now and saved."""
        state = self.checkpoint.load(since)
        if state is not None:
            for signal_type, digest in state.indexes.items():
                path = self.checkpoint.index_path(signal_type)
                if not path.is_file() or file_digest(path) != digest:
                    raise InvalidInputError("checkpoint", f"{path} changed since the run began")
            return state
        new = added(self.engine.db, self.engine.banks.store, since, self.types)
        indexes = {
            t: write_index(t, values, self.checkpoint.index_path(t))
            for t, values in new.values.items()
            if values
        }
        count = sum(len(values) for values in new.values.values())
        state = State(since, new.upto, indexes, new.threshold, count)
        self.checkpoint.save(state)
        return state

    def _index_bytes(self, shipped: Shipped) -> bytes:
        return self.checkpoint.index_path(shipped.signal_type).read_bytes()

    def run(
        self,
        since: int,
        *,
        scheduler: str | None = None,
        workers: int = 2,
        dashboard: bool = False,
    ) -> Report:
        started = time.monotonic()
        state = self.prepare(since)
        todo = [p for p in self.partitions if p.name not in set(state.done)]
        report = Report(
            since, state.upto, state.entries, len(self.partitions), len(self.partitions) - len(todo)
        )
        if state.entries == 0 or not todo:
            report.rows, report.invalid = state.rows, state.invalid
            return report
        dist = distributed()
        cluster = None
        if scheduler is None:
            cluster = dist.LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0" if dashboard else None,
            )
        client = dist.Client(scheduler or cluster)
        try:
            report.dashboard = client.dashboard_link if dashboard else None
            shipped = [
                (
                    s,
                    client.scatter(
                        self.checkpoint.index_path(s.signal_type).read_bytes(), broadcast=True
                    ),
                )
                for s in self.shipped(state)
            ]
            futures = [client.submit(scan_on_worker, p, shipped, pure=False) for p in todo]
            recorded = self.checkpoint.recorded()
            self._tell(state, recorded, started, report.dashboard)
            for future in dist.as_completed(futures):
                result: PartitionResult = future.result()
                applying = time.monotonic()
                self._apply(result, recorded, report)
                report.applying += time.monotonic() - applying
                state.done.append(result.name)
                state.rows += result.rows
                state.invalid += result.invalid
                self.checkpoint.save(state)
                self._tell(state, recorded, started)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
        report.rows, report.invalid = state.rows, state.invalid
        report.seconds = time.monotonic() - started
        return report

    def _tell(
        self,
        state: State,
        recorded: set[tuple[str, int]],
        started: float,
        dashboard: str | None = None,
    ) -> None:
        if self.progress is not None:
            self.progress(
                Progress(
                    len(state.done),
                    len(self.partitions),
                    state.rows,
                    len(recorded),
                    time.monotonic() - started,
                    dashboard,
                )
            )

    def _apply(
        self, result: PartitionResult, recorded: set[tuple[str, int]], report: Report
    ) -> None:
        """Match each candidate content as live matching does, then open its case: up to
        CASES_PER_TRANSACTION cases in one write transaction, each match recorded once its
        transaction is committed."""
        by_content: dict[str, list[Candidate]] = defaultdict(list)
        for c in result.candidates:
            if (c.content_id, c.entry_id) not in recorded:
                by_content[c.content_id].append(c)
        unopened = Tally()  # the counts of contents that open no case: one write
        batch: list[tuple[MatchToOpen, list[int]]] = []
        counted = Tally()
        for content_id, candidates in by_content.items():
            found = self._match(content_id, candidates, report, unopened, counted)
            if found is not None:
                batch.append(found)
            if len(batch) == CASES_PER_TRANSACTION:
                self._open(batch, counted, recorded, report, unopened)
                batch, counted = [], Tally()
        if batch:
            self._open(batch, counted, recorded, report, unopened)
        self.engine.counters.record(unopened)

    def _match(
        self,
        content_id: str,
        candidates: list[Candidate],
        report: Report,
        unopened: Tally,
        counted: Tally,
    ) -> tuple[MatchToOpen, list[int]] | None:
        """The content's matches with new entries, as its case will take them, or None."""
        try:
            subject = Subject(content_id)
        except InvalidInputError:
            report.invalid += 1  # an id no case could carry: counted, not opened
            return None
        entry_ids = {c.entry_id for c in candidates}
        signals = list(dict.fromkeys((c.signal_type, c.value) for c in candidates))
        mine = Tally()
        live = self.engine.match_signals([QuerySignal(t, v) for t, v in signals], tally=mine)
        matches = [m for m in live.matches if m.entry_id in entry_ids]
        if not matches:  # within the search radius, but not within its bank's policy
            unopened.merge(mine)
            return None
        counted.merge(mine)
        given: list[dict[str, str | None]] = [
            {"type": t, "view": None, "value": v} for t, v in signals
        ]
        item = MatchToOpen(
            MatchResult(matches, live.suppressed), evidence_query(signals), subject, None, given
        )
        return item, [m.entry_id for m in matches]

    def _open(
        self,
        batch: list[tuple[MatchToOpen, list[int]]],
        counted: Tally,
        recorded: set[tuple[str, int]],
        report: Report,
        unopened: Tally,
    ) -> None:
        opened = self.engine.open_match_cases([item for item, _ in batch], counted=counted)
        if not any(opened):
            unopened.merge(counted)  # no transaction took them
        for (item, ids), case in zip(batch, opened, strict=True):
            content_id = item.subject.content_id or ""
            if case is not None:
                if case.created:
                    report.cases_opened += 1
                else:
                    report.cases_joined += 1
            self.checkpoint.record(content_id, ids, case.case.id if case else None)
            recorded.update((content_id, i) for i in ids)
            report.matches.extend((content_id, i) for i in ids)
