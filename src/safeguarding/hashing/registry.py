"""Signal types by their stored name: the one list the matcher, cases, API and CLI iterate.

The four built-in types are registered here. Another type is one module that subclasses
`SignalType` and calls `register` when imported (before the engine is built), with no change
to matching, cases, the API, the CLI or the database.
"""

from __future__ import annotations

import re

from safeguarding.errors import SignalError
from safeguarding.hashing.base import SignalType
from safeguarding.hashing.md5 import Md5Signal
from safeguarding.hashing.pdq import PdqSignal
from safeguarding.hashing.sha256 import Sha256Signal
from safeguarding.hashing.vpdq import VpdqSignal

#: stored in a 20-character column (bank entries, the change log, do-not-match)
_NAME = re.compile(r"[a-z][a-z0-9_]{0,19}")

SIGNAL_TYPES: dict[str, type[SignalType]] = {
    t.name: t for t in (PdqSignal, Md5Signal, Sha256Signal, VpdqSignal)
}


def register(signal_type: type[SignalType]) -> type[SignalType]:
    """Add a signal type (usable as a class decorator). Its name is a persistent key: a
    name already taken is refused rather than replaced."""
    name = getattr(signal_type, "name", None)
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise SignalError(
            f"invalid signal type name {name!r}: 1-20 lowercase letters, "
            "digits or '_', starting with a letter"
        )
    if name in SIGNAL_TYPES:
        raise SignalError(f"signal type {name!r} is already registered")
    SIGNAL_TYPES[name] = signal_type
    return signal_type


def unregister(name: str) -> None:
    """Remove a signal type registered with `register` (tests, plugins being unloaded)."""
    SIGNAL_TYPES.pop(name, None)


def signal_types() -> list[type[SignalType]]:
    """Every registered type, in registration order."""
    return list(SIGNAL_TYPES.values())


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
