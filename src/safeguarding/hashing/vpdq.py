"""vPDQ: a video as the PDQ hashes of frames sampled over time.

Text format (that of Meta's vpdq tool): one frame per line, `frame,quality,pdq_hex,seconds`.
Two videos match when enough of the query's distinct frame hashes have a bank frame
within the PDQ threshold (vpdq's "query match percent", default 80%), and optionally
enough of the bank video's frames are covered ("index match percent", default 0%).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from safeguarding.errors import SignalError
from safeguarding.hashing.base import Comparison, SignalType
from safeguarding.hashing.pdq import PdqPolicy, PdqSignal, hamming
from safeguarding.hashing.policy import Candidate, SignalPolicy, setting

if TYPE_CHECKING:
    from safeguarding.matching.index import SignalIndex

#: frames of lower PDQ quality are left out of both sides (vpdq's default)
QUALITY_THRESHOLD = 50
MAX_FRAMES = 1_000_000


@dataclass(frozen=True)
class VpdqPolicy(SignalPolicy):
    """Two videos match when enough of the query's distinct frames have a bank frame within
    `frame_threshold` (and, optionally, enough of the bank video's frames are found).

    The index counts frames at the largest `frame_threshold` of the enabled banks, so a
    bank with a smaller one sees percentages counted at that larger distance."""

    frame_threshold: int = setting(
        PdqPolicy.threshold, 0, 128, "largest PDQ distance, in bits, at which two frames match"
    )
    query_match_percent: float = setting(
        80.0, 0, 100, "smallest share of the query's distinct frames found in the video"
    )
    index_match_percent: float = setting(
        0.0, 0, 100, "smallest share of the bank video's frames found in the query"
    )

    def search_threshold(self) -> int:
        return self.frame_threshold

    def accepts(self, candidate: Candidate) -> bool:
        return (
            candidate.detail["query_match_percent"] >= self.query_match_percent
            and candidate.detail["index_match_percent"] >= self.index_match_percent
        )

    def describe(self) -> str:
        return (
            f"frames within {self.frame_threshold}, query >= "
            f"{self.query_match_percent:g}%, video >= {self.index_match_percent:g}%"
        )


@dataclass(frozen=True)
class VpdqFrame:
    number: int
    quality: int
    pdq: str
    timestamp: float

    def line(self) -> str:
        return f"{self.number},{self.quality},{self.pdq},{self.timestamp:.3f}"


def parse_frames(text: str) -> list[VpdqFrame]:
    frames: list[VpdqFrame] = []
    for line_no, raw in enumerate(text.replace(";", "\n").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = line.split(",")
        if len(parts) != 4:
            raise SignalError(f"invalid vpdq frame {line_no}: expected 4 fields, got {line[:80]!r}")
        try:
            number, quality, timestamp = int(parts[0]), int(parts[1]), float(parts[3])
        except ValueError as exc:
            raise SignalError(f"invalid vpdq frame {line_no}: {line[:80]!r}") from exc
        if number < 0 or not 0 <= quality <= 100 or timestamp < 0:
            raise SignalError(f"invalid vpdq frame {line_no}: out of range {line[:80]!r}")
        frames.append(VpdqFrame(number, quality, PdqSignal.validate(parts[2]), timestamp))
        if len(frames) > MAX_FRAMES:
            raise SignalError(f"vpdq value has more than {MAX_FRAMES} frames")
    if not frames:
        raise SignalError("invalid vpdq: no frames")
    return frames


def format_frames(frames: Iterable[VpdqFrame]) -> str:
    return "\n".join(frame.line() for frame in frames)


def distinct_hashes(frames: Iterable[VpdqFrame], min_quality: int = QUALITY_THRESHOLD) -> set[str]:
    return {frame.pdq for frame in frames if frame.quality >= min_quality}


@dataclass(frozen=True)
class VpdqMatch:
    query_match_percent: float
    index_match_percent: float


def match_percentages(query: set[str], target: set[str], pdq_threshold: int) -> VpdqMatch:
    """Brute-force vPDQ comparison of two sets of distinct frame hashes."""
    if not query or not target:
        return VpdqMatch(0.0, 0.0)
    matched_target: set[str] = set()
    matched_query = 0
    for q in query:
        hit = False
        for t in target:
            if hamming(q, t) <= pdq_threshold:
                matched_target.add(t)
                hit = True
        matched_query += hit
    return VpdqMatch(100.0 * matched_query / len(query), 100.0 * len(matched_target) / len(target))


class VpdqSignal(SignalType):
    name = "vpdq"
    perceptual = True
    Policy = VpdqPolicy
    in_evidence = False  # thousands of frames: the case keeps the file's other hashes

    @classmethod
    def get_index_cls(cls) -> type[SignalIndex]:
        from safeguarding.matching.vpdq_index import VpdqIndex

        return VpdqIndex

    @classmethod
    def get_do_not_match_index_cls(cls) -> type[SignalIndex]:
        from safeguarding.matching.exact_index import ExactIndex

        return ExactIndex  # only the very same value: re-encoded videos differ in frames

    @classmethod
    def validate(cls, value: str) -> str:
        if not isinstance(value, str):
            raise SignalError("vpdq value must be a string of frame lines")
        return format_frames(parse_frames(value))

    @classmethod
    def compare(cls, a: str, b: str, threshold: int | None = None) -> Comparison:
        policy = VpdqPolicy() if threshold is None else VpdqPolicy(frame_threshold=threshold)
        result = match_percentages(
            distinct_hashes(parse_frames(a)),
            distinct_hashes(parse_frames(b)),
            policy.frame_threshold,
        )
        detail = {
            "query_match_percent": result.query_match_percent,
            "index_match_percent": result.index_match_percent,
        }
        distance = 100.0 - result.query_match_percent
        return Comparison(
            matched=policy.accepts(Candidate(distance, None, detail)),
            distance=distance,
            detail=detail,
        )

    @classmethod
    def examples(cls) -> list[str]:
        frames: Sequence[VpdqFrame] = [
            VpdqFrame(0, 100, PdqSignal.examples()[0], 0.0),
            VpdqFrame(30, 90, PdqSignal.examples()[0][:-1] + "3", 1.0),
        ]
        other = [VpdqFrame(0, 100, "0f" * 32, 0.0), VpdqFrame(30, 100, "f0" * 32, 1.0)]
        return [format_frames(frames), format_frames(other)]
