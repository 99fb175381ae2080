"""Precision and recall per platform against records whose truth is known (a `platforms`
column, `|`-separated keys of the keyword set), as the synthetic police records in
data/insights/records carry it.

The targets apply to the platforms the keyword set reports on (the NSPCC's eight); the rest
are measured and shown, but a dozen records each cannot pin a rate to two decimals."""

from __future__ import annotations

from dataclasses import dataclass

from safeguarding.errors import RecordsFormatError
from safeguarding.insights.intervals import Proportion
from safeguarding.insights.matcher import Finder
from safeguarding.insights.records import Record, RecordReader

PRECISION_TARGET = 0.98
RECALL_TARGET = 0.95
TRUTH_SEPARATOR = "|"


@dataclass(frozen=True)
class PlatformScore:
    key: str
    label: str
    reported: bool  # one the keyword set reports on, so the targets apply
    precision: Proportion  # right of those found
    recall: Proportion  # found of those named

    @property
    def meets_targets(self) -> bool:
        p, r = self.precision.share, self.recall.share
        return (p is None or p >= PRECISION_TARGET) and r is not None and r >= RECALL_TARGET


@dataclass(frozen=True)
class Miss:
    line: int
    id: str
    expected: tuple[str, ...]
    found: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Evaluation:
    records: int
    exact: int  # records whose platforms were found exactly
    scores: tuple[PlatformScore, ...]
    misses: tuple[Miss, ...]

    @property
    def targets_met(self) -> bool:
        return all(s.meets_targets for s in self.scores if s.reported)


def evaluate(
    reader: RecordReader, matcher: Finder, *, truth_column: str, id_column: str | None = None
) -> Evaluation:
    """Stream the reader's records (its `extra` must include truth_column); a record is
    named by id_column where the file has it, else by its line."""
    keys = matcher.keywords.keys
    position = {key: i for i, key in enumerate(keys)}
    found_count = [0] * len(keys)
    true_count = [0] * len(keys)
    right = [0] * len(keys)
    misses: list[Miss] = []
    total = exact = 0
    truth_at = id_at = -1
    for record in reader:
        if total == 0:
            truth_at = reader.index(truth_column)
            id_at = reader.index(id_column) if id_column in reader.header else -1
        total += 1
        truth = _truth(record, truth_at, position, str(reader.path))
        found = set(matcher.indices(record.text))
        for i in found:
            found_count[i] += 1
        for i in truth:
            true_count[i] += 1
            right[i] += i in found
        if found == truth:
            exact += 1
        else:
            misses.append(
                Miss(
                    record.line,
                    record.row[id_at] if id_at >= 0 else str(record.line),
                    tuple(keys[i] for i in sorted(truth)),
                    tuple(keys[i] for i in sorted(found)),
                    record.text,
                )
            )
    reported = set(matcher.keywords.reported)
    scores = tuple(
        PlatformScore(
            p.key,
            p.label,
            p.key in reported,
            Proportion(right[i], found_count[i]),
            Proportion(right[i], true_count[i]),
        )
        for i, p in enumerate(matcher.keywords.platforms)
    )
    return Evaluation(total, exact, scores, tuple(misses))


def _truth(record: Record, column: int, position: dict[str, int], source: str) -> set[int]:
    truth = set()
    for key in record.row[column].split(TRUTH_SEPARATOR):
        key = key.strip().lower()
        if not key:
            continue
        if key not in position:
            raise RecordsFormatError(
                f"platform {key!r} in the truth column is not in the keyword set",
                source=source,
                line=record.line,
            )
        truth.add(position[key])
    return truth
