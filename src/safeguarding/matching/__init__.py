"""Indexes over bank signals, and the matcher that turns hits into policy-checked matches."""

from safeguarding.matching.exact_index import ExactIndex
from safeguarding.matching.index import IndexHit, SignalIndex
from safeguarding.matching.matcher import Matcher, QuerySignal, query_from_hashes
from safeguarding.matching.pdq_index import PdqIndex
from safeguarding.matching.pdq_linear import LinearPdqIndex
from safeguarding.matching.result import Match, MatchResult
from safeguarding.matching.vpdq_index import VpdqHit, VpdqIndex

__all__ = [
    "ExactIndex",
    "IndexHit",
    "LinearPdqIndex",
    "Match",
    "MatchResult",
    "Matcher",
    "PdqIndex",
    "QuerySignal",
    "SignalIndex",
    "VpdqHit",
    "VpdqIndex",
    "query_from_hashes",
]
