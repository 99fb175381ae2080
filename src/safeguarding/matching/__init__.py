"""Indexes over bank signals, and the matcher that turns hits into policy-checked matches."""

from safeguarding.matching.exact import ExactIndex
from safeguarding.matching.index import IndexHit, SignalIndex
from safeguarding.matching.matcher import Matcher, QuerySignal, query_from_hashes
from safeguarding.matching.pdq_index import PDQIndex
from safeguarding.matching.pdq_linear import LinearPDQIndex
from safeguarding.matching.result import Match, MatchResult
from safeguarding.matching.vpdq_index import VpdqHit, VpdqIndex

__all__ = [
    "ExactIndex",
    "IndexHit",
    "LinearPDQIndex",
    "Match",
    "MatchResult",
    "Matcher",
    "PDQIndex",
    "QuerySignal",
    "SignalIndex",
    "VpdqHit",
    "VpdqIndex",
    "query_from_hashes",
]
