"""Signals derived from content: one module per signal type, one shared pipeline."""

from safeguarding.hashing.base import Comparison, Signal, SignalType
from safeguarding.hashing.hasher import ContentHashes, hash_bytes, hash_file
from safeguarding.hashing.registry import SIGNAL_TYPES, get_signal_type, validate_signal

__all__ = [
    "SIGNAL_TYPES",
    "Comparison",
    "ContentHashes",
    "Signal",
    "SignalType",
    "get_signal_type",
    "hash_bytes",
    "hash_file",
    "validate_signal",
]
