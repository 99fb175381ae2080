"""Safeguarding: an open-source child-safety engine for messaging and social platforms."""

__version__ = "0.1.0"

from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.errors import SafeguardingError
from safeguarding.hashing import ContentHashes, Signal, hash_bytes, hash_file
from safeguarding.matching import Match, MatchResult

__all__ = [
    "ContentHashes",
    "Engine",
    "Match",
    "MatchResult",
    "SafeguardingError",
    "Settings",
    "Signal",
    "__version__",
    "hash_bytes",
    "hash_file",
]
