"""What a signal type is: the one place that says everything the rest needs of it.

A stable name, validation, comparison of two values and examples (as python-threatexchange's
`SignalType`); how many values are searched (`get_index_cls`: indexes live in
`safeguarding.matching`, imported only when asked for, so hashing never loads them); a bank's
settings for it and their defaults (`Policy`); what a query searches besides the value (its
rotations and views); whether it is kept with a case's evidence, how surely it names a file,
and at what distance a do-not-match entry suppresses a query. The matcher, cases, API and CLI
iterate over the registry (`hashing.registry`) and ask these; none of them names a type.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from safeguarding.hashing.policy import SignalPolicy

if TYPE_CHECKING:
    from safeguarding.config import Settings
    from safeguarding.matching.index import SignalIndex


@dataclass(frozen=True)
class Signal:
    """One value derived from content. `quality` is set for perceptual hashes; `view` names
    a derived view of an image (see hashing.views), None for the image as it is; `rotations`
    holds the 8 rotation and flip hashes of a PDQ signal when they were asked for."""

    type: str
    value: str
    quality: int | None = None
    view: str | None = None
    rotations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Comparison:
    matched: bool
    distance: float  # 0 is identical; the unit is the signal type's (bits for PDQ)
    detail: Mapping[str, float] = field(default_factory=dict)


class SignalType(ABC):
    """A kind of hash. `name` is stored in databases and files: never rename it (1-20
    lowercase letters, digits or '_')."""

    name: ClassVar[str]
    perceptual: ClassVar[bool] = False
    #: a bank's settings for this type, with their defaults (no fields: exact types)
    Policy: ClassVar[type[SignalPolicy]] = SignalPolicy
    #: names of `Signal.rotations`, in order; stored in match results, so never reorder
    rotation_names: ClassVar[tuple[str, ...]] = ()
    #: kept with a case's evidence, so a decision can put it on the confirmed bank or the
    #: do-not-match list; False for values too large to keep (a vPDQ has thousands of frames)
    in_evidence: ClassVar[bool] = True
    #: which of a file's hashes names it, lowest first: collision-resistant digests first
    identity_rank: ClassVar[int] = 100
    #: every canonical value is this many lowercase hex digits (0: not so)
    hex_length: ClassVar[int] = 0

    @classmethod
    @abstractmethod
    def get_index_cls(cls) -> type[SignalIndex]:
        """The index that searches many values of this type (see `matching.index`)."""

    @classmethod
    def get_do_not_match_index_cls(cls) -> type[SignalIndex]:
        """The index of the type's do-not-match entries: by default the same."""
        return cls.get_index_cls()

    @classmethod
    def do_not_match_distance(cls, settings: Settings) -> int:
        """A query this close to a do-not-match value is suppressed (0: the same value)."""
        return 0

    @classmethod
    def variants(cls, signal: Signal) -> tuple[tuple[str, str], ...]:
        """The (name, value) pairs a query searches for `signal`: each rotation and flip
        (`rotate90`, or `trimmed/rotate90` for a view), or a view's value as `trimmed/original`.
        Empty: the value alone, unnamed."""
        prefix = f"{signal.view}/" if signal.view else ""
        if signal.rotations:
            return tuple(
                (prefix + name, value)
                for name, value in zip(cls.rotation_names, signal.rotations, strict=True)
            )
        return ((f"{prefix}original", signal.value),) if signal.view else ()

    @classmethod
    @abstractmethod
    def validate(cls, value: str) -> str:
        """Return the canonical form of `value`, or raise SignalError."""

    @classmethod
    def validate_many(cls, values: Sequence[str]) -> list[str]:
        """`validate` of each value, in order (the first bad one raises). A type whose
        canonical values are hex of one length (`hex_length`) checks a whole list in a few
        passes over one string: an exchange's page of 50,000 hashes, where a call a value
        was a fifth of the fetch's Python time."""
        if cls.hex_length:
            checked = _fixed_hex(values, cls.hex_length)
            if checked is not None:
                return checked
        return [cls.validate(value) for value in values]

    @classmethod
    @abstractmethod
    def compare(cls, a: str, b: str, threshold: int | None = None) -> Comparison:
        """Compare two canonical values."""

    @classmethod
    @abstractmethod
    def examples(cls) -> list[str]:
        """A few valid values, for tests and documentation."""


_HEX_LINES = re.compile(r"[0-9a-f\n]*")


def _fixed_hex(values: Sequence[str], length: int) -> list[str] | None:
    """The values lowercased when each is exactly `length` hex digits (no spaces), else
    None (then each is validated alone, which names the first bad one): joined by newlines,
    there must be one newline fewer than values, every `length + 1` characters, and all
    else hex digits."""
    if not values:
        return []
    try:
        joined = "\n".join(values).lower()
    except TypeError:  # a value that is not a string
        return None
    step = length + 1
    if (
        len(joined) != step * len(values) - 1
        or joined.count("\n") != len(values) - 1
        or joined[length::step] != "\n" * (len(values) - 1)
        or not _HEX_LINES.fullmatch(joined)
    ):
        return None
    return joined.split("\n")
