"""What a signal type is: a stable name, validation, comparison of two values, examples.

How to search many values fast is a different concern: see `safeguarding.matching`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar


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
    """A kind of hash. `name` is stored in databases and files: never rename it."""

    name: ClassVar[str]
    #: threshold used when a bank does not set its own; 0 for exact types
    default_threshold: ClassVar[int] = 0
    perceptual: ClassVar[bool] = False

    @classmethod
    @abstractmethod
    def validate(cls, value: str) -> str:
        """Return the canonical form of `value`, or raise SignalError."""

    @classmethod
    @abstractmethod
    def compare(cls, a: str, b: str, threshold: int | None = None) -> Comparison:
        """Compare two canonical values."""

    @classmethod
    @abstractmethod
    def examples(cls) -> list[str]:
        """A few valid values, for tests and documentation."""
