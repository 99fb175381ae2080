"""The backfill driver: partitions to Dask workers, candidates back, each match opened as
live matching opens it.

Runs on a `distributed.LocalCluster` (single-threaded worker processes) unless given a
scheduler's address. The new entries' index is built once (entries.py), its bytes scattered
to every worker once (scan.py maps them), and one task per partition returns only
candidates. Here, each candidate content is matched by the engine's matcher, as a live
`/v1/match/signals` item with an id is (bank policies, disabled banks, the do-not-match
list); the matches with new entries become a case through `Engine.open_match_case`, which
opens one or joins the open case about the same content. Each match is recorded in the
checkpoint as soon as its case is open, each partition when all of it is applied.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from safeguarding.backfill.checkpoint import Checkpoint, State
from safeguarding.backfill.entries import added_pdq, file_digest, write_index
from safeguarding.backfill.scan import PartitionResult, scan_on_worker
from safeguarding.backfill.sources import Partition
from safeguarding.cases.intake import evidence_query
from safeguarding.cases.model import Subject
from safeguarding.engine import Engine
from safeguarding.errors import InvalidInputError, MissingDependencyError
from safeguarding.hashing.pdq import PdqSignal
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
    dashboard: str | None = None


class Backfill:
    def __init__(
        self,
        engine: Engine,
        partitions: list[Partition],
        checkpoint: Checkpoint,
        *,
        progress: Callable[[Progress], None] | None = None,
    ) -> None:
        self.engine = engine
        self.partitions = partitions
        self.checkpoint = checkpoint
        self.progress = progress
        names = [p.name for p in partitions]
        if len(set(names)) != len(names):
            raise InvalidInputError("hashes", "two partitions with one name")

    def prepare(self, since: int) -> State:
        """The run's fixed inputs: from the checkpoint, or decided now and saved."""
        state = self.checkpoint.load(since)
        if state is not None:
            if state.entries and file_digest(self.checkpoint.index_path) != state.digest:
                raise InvalidInputError(
                    "checkpoint", f"{self.checkpoint.index_path} changed since the run began"
                )
            return state
        upto, values, threshold = added_pdq(self.engine.db, self.engine.banks.store, since)
        digest = write_index(values, self.checkpoint.index_path) if values else ""
        state = State(since, upto, digest, threshold, len(values))
        self.checkpoint.save(state)
        return state

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
            data = client.scatter(self.checkpoint.index_path.read_bytes(), broadcast=True)
            futures = [
                client.submit(scan_on_worker, p, state.digest, data, state.threshold, pure=False)
                for p in todo
            ]
            recorded = self.checkpoint.recorded()
            self._tell(state, recorded, started, report.dashboard)
            for future in dist.as_completed(futures):
                result: PartitionResult = future.result()
                self._apply(result, recorded, report)
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
        by_content: dict[tuple[str, str], set[int]] = defaultdict(set)
        for c in result.candidates:
            by_content[(c.content_id, c.value)].add(c.entry_id)
        for (content_id, value), entry_ids in by_content.items():
            fresh = {i for i in entry_ids if (content_id, i) not in recorded}
            if fresh:
                self._open(content_id, value, fresh, recorded, report)

    def _open(
        self,
        content_id: str,
        value: str,
        entry_ids: set[int],
        recorded: set[tuple[str, int]],
        report: Report,
    ) -> None:
        try:
            subject = Subject(content_id)
        except InvalidInputError:
            report.invalid += 1  # an id no case could carry: counted, not opened
            return
        live = self.engine.match_signals([QuerySignal(PdqSignal.name, value)])
        matches = [m for m in live.matches if m.entry_id in entry_ids]
        if not matches:
            return  # within the search radius, but not within its bank's policy
        query = evidence_query([(PdqSignal.name, value)])
        given = [{"type": PdqSignal.name, "view": None, "value": value}]
        opened = self.engine.open_match_case(
            MatchResult(matches, live.suppressed), query, subject, None, given
        )
        if opened is not None:
            if opened.created:
                report.cases_opened += 1
            else:
                report.cases_joined += 1
        ids = [m.entry_id for m in matches]
        self.checkpoint.record(content_id, ids, opened.case.id if opened else None)
        recorded.update((content_id, i) for i in ids)
        report.matches.extend((content_id, i) for i in ids)
