"""A bank's settings for one signal type: what that bank takes as a match of the type.

Each signal type names a frozen dataclass of number fields (`setting(...)`: the default, the
one place it is defined, with its limits and a line of help). A bank stores its settings as
JSON keyed by signal type name, then field name: both are persistent keys, never rename them.
The matcher asks a policy two things: how far its index must search for this bank
(`search_threshold`), and whether a candidate found there is a match (`accepts`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Self

from safeguarding.errors import InvalidInputError


@dataclass(frozen=True, slots=True)
class Candidate:
    """An index hit as a bank's policy judges it: its distance (in the type's unit), the
    query's quality where the type has one, and the type's own figures (vPDQ's match
    percentages)."""

    distance: float
    quality: int | None = None
    detail: Mapping[str, float] = field(default_factory=dict)


def setting(default: int | float, low: int | float, high: int | float, help: str) -> Any:
    """A policy field: its default, its inclusive limits, and what it means. The field is an
    int or a float as its default is."""
    return field(default=default, metadata={"range": (low, high), "help": help})


@dataclass(frozen=True)
class SignalPolicy:
    """A type without per-bank settings: every candidate its index finds is a match."""

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            low, high = spec.metadata["range"]
            if isinstance(spec.default, int):
                ok = isinstance(value, int) and not isinstance(value, bool)
                kind = "a whole number"
            else:
                ok = isinstance(value, int | float) and not isinstance(value, bool)
                kind = "a number"
                if ok:
                    object.__setattr__(self, spec.name, float(value))
            if not ok or not low <= value <= high:
                raise InvalidInputError(spec.name, f"must be {kind} between {low} and {high}")

    def search_threshold(self) -> int:
        """The distance the type's index must search for this bank (0: exact)."""
        return 0

    def accepts(self, candidate: Candidate) -> bool:
        """Whether a candidate the index found is a match for this bank."""
        return True

    def to_json(self) -> dict[str, int | float]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: object) -> Self:
        """Settings from JSON: missing fields take their defaults; an unknown field or a
        value out of range is refused, naming the field."""
        if not isinstance(data, Mapping):
            raise InvalidInputError("policy", "must be an object of setting names and numbers")
        known = {spec.name for spec in fields(cls)}
        unknown = sorted(str(k) for k in data if k not in known)
        if unknown:
            raise InvalidInputError(
                unknown[0], f"unknown setting (known: {', '.join(sorted(known)) or 'none'})"
            )
        return cls(**data)

    def describe(self) -> str:
        """One line for people: `threshold 31, min_quality 50`."""
        return ", ".join(f"{k} {v:g}" for k, v in self.to_json().items())

    @classmethod
    def spec(cls, name: str) -> tuple[int | float, int | float, int | float]:
        """(default, lowest, highest) of a field."""
        found = next(f for f in fields(cls) if f.name == name)
        return (found.default, *found.metadata["range"])

    @classmethod
    def help(cls) -> dict[str, str]:
        """Field name -> what it means and its limits (for the documentation)."""
        return {
            spec.name: f"{spec.metadata['help']} ({spec.metadata['range'][0]}-"
            f"{spec.metadata['range'][1]}, default {spec.default})"
            for spec in fields(cls)
        }
