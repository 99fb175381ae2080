"""Signal types by their stored name."""

from __future__ import annotations

from safeguarding.errors import SignalError
from safeguarding.hashing.base import SignalType
from safeguarding.hashing.md5 import Md5Signal
from safeguarding.hashing.pdq import PdqSignal
from safeguarding.hashing.sha256 import Sha256Signal
from safeguarding.hashing.vpdq import VpdqSignal

SIGNAL_TYPES: dict[str, type[SignalType]] = {
    t.name: t for t in (PdqSignal, Md5Signal, Sha256Signal, VpdqSignal)
}


def get_signal_type(name: str) -> type[SignalType]:
    try:
        return SIGNAL_TYPES[name.strip().lower()]
    except (KeyError, AttributeError):
        known = ", ".join(sorted(SIGNAL_TYPES))
        raise SignalError(f"unknown signal type {name!r} (known: {known})") from None


def validate_signal(type_name: str, value: str) -> tuple[str, str]:
    """Return (canonical type name, canonical value) or raise SignalError."""
    signal_type = get_signal_type(type_name)
    return signal_type.name, signal_type.validate(value)
