"""vPDQ: a video as the PDQ hashes of frames sampled over time.

Text format (that of Meta's vpdq tool): one frame per line, `frame,quality,pdq_hex,seconds`.
Two videos match when enough of the query's distinct frame hashes have a bank frame
within the PDQ threshold (vpdq's "query match percent", default 80%), and optionally
enough of the bank video's frames are covered ("index match percent", default 0%).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from safeguarding.errors import SignalError
from safeguarding.hashing.base import Comparison, SignalType
from safeguarding.hashing.pdq import PdqSignal, hamming

QUALITY_THRESHOLD = 50
QUERY_MATCH_PERCENT = 80.0
INDEX_MATCH_PERCENT = 0.0
MAX_FRAMES = 1_000_000


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


def match_percentages(
    query: set[str], target: set[str], pdq_threshold: int
) -> VpdqMatch:
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
    default_threshold = 31
    perceptual = True

    @classmethod
    def validate(cls, value: str) -> str:
        if not isinstance(value, str):
            raise SignalError("vpdq value must be a string of frame lines")
        return format_frames(parse_frames(value))

    @classmethod
    def compare(cls, a: str, b: str, threshold: int | None = None) -> Comparison:
        pdq_threshold = cls.default_threshold if threshold is None else threshold
        result = match_percentages(
            distinct_hashes(parse_frames(a)), distinct_hashes(parse_frames(b)), pdq_threshold
        )
        return Comparison(
            matched=result.query_match_percent >= QUERY_MATCH_PERCENT
            and result.index_match_percent >= INDEX_MATCH_PERCENT,
            distance=100.0 - result.query_match_percent,
            detail={
                "query_match_percent": result.query_match_percent,
                "index_match_percent": result.index_match_percent,
            },
        )

    @classmethod
    def examples(cls) -> list[str]:
        frames: Sequence[VpdqFrame] = [
            VpdqFrame(0, 100, PdqSignal.examples()[0], 0.0),
            VpdqFrame(30, 90, PdqSignal.examples()[0][:-1] + "3", 1.0),
        ]
        other = [VpdqFrame(0, 100, "0f" * 32, 0.0), VpdqFrame(30, 100, "f0" * 32, 1.0)]
        return [format_frames(frames), format_frames(other)]
