"""A bank's match policy: the action a match asks for, and per signal type what counts as one.

The settings of each type are the type's own (`SignalType.Policy`, with its defaults); a bank
stores them as JSON keyed by type name. A bank is created with every registered type's
settings written out, so a later change of a default never changes an existing bank; a type
registered after the bank was created uses its defaults until the bank sets its own.

The API and CLI had flat fields before settings were per type; `LEGACY_FIELDS` keeps them,
each meaning what it meant (`pdq_threshold` was also the distance at which vPDQ frames match).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from safeguarding.banks.model import Action
from safeguarding.errors import InvalidBankError, InvalidInputError, SignalError
from safeguarding.hashing.pdq import PdqSignal
from safeguarding.hashing.policy import SignalPolicy
from safeguarding.hashing.registry import SIGNAL_TYPES, get_signal_type, signal_types
from safeguarding.hashing.vpdq import VpdqSignal

#: flat field -> the (signal type, setting) pairs it sets; the first is the one it shows
LEGACY_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "pdq_threshold": ((PdqSignal.name, "threshold"), (VpdqSignal.name, "frame_threshold")),
    "min_quality": ((PdqSignal.name, "min_quality"),),
    "vpdq_query_match_percent": ((VpdqSignal.name, "query_match_percent"),),
    "vpdq_index_match_percent": ((VpdqSignal.name, "index_match_percent"),),
}


def legacy_spec(flat: str) -> tuple[int | float, int | float, int | float]:
    """(default, lowest, highest) of a flat field: those of the setting it shows."""
    type_name, setting = LEGACY_FIELDS[flat][0]
    return SIGNAL_TYPES[type_name].Policy.spec(setting)


def _action(value: object) -> Action:
    try:
        return Action(str(value))
    except ValueError:
        allowed = ", ".join(a.value for a in Action)
        raise InvalidBankError(f"action must be one of {allowed}, not {value!r}") from None


@dataclass(frozen=True)
class BankPolicy:
    action: Action = Action.REVIEW
    #: settings per signal type name; a registered type missing here uses its defaults
    signals: Mapping[str, SignalPolicy] = field(default_factory=dict)
    #: stored settings of types this process has not registered: kept, never dropped
    unregistered: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "action", _action(self.action))

    @classmethod
    def of(
        cls,
        action: Action | str = Action.REVIEW,
        *,
        policies: Mapping[str, Any] | None = None,
        **legacy: Any,
    ) -> BankPolicy:
        """Every registered type at its defaults, then the flat fields, then `policies`
        ({"pdq": {"threshold": 20}}) applied; each type validates its own settings."""
        return cls(_action(action)).changed(policies=policies, **legacy).complete()

    def complete(self) -> BankPolicy:
        """With every registered type's settings written out (defaults where unset)."""
        signals = {t.name: self.for_type(t.name) for t in signal_types()}
        return BankPolicy(self.action, signals, self.unregistered)

    def for_type(self, name: str) -> SignalPolicy:
        found = self.signals.get(name)
        return found if found is not None else SIGNAL_TYPES[name].Policy()

    def changed(
        self,
        *,
        action: Action | str | None = None,
        policies: Mapping[str, Any] | None = None,
        **legacy: Any,
    ) -> BankPolicy:
        """This policy with some settings changed; the rest kept. A flat field and
        `policies` that set one setting to two values are refused."""
        unknown = sorted(set(legacy) - set(LEGACY_FIELDS))
        if unknown:
            raise InvalidBankError(f"unknown policy fields {unknown}")
        settings = {name: dict(p.to_json()) for name, p in self.signals.items()}
        given: dict[tuple[str, str], tuple[str, Any]] = {}
        for flat, value in legacy.items():
            if value is None:
                continue
            for type_name, setting in LEGACY_FIELDS[flat]:
                self._settings_of(settings, type_name)[setting] = value
                given[type_name, setting] = flat, value
        for type_name, values in (policies or {}).items():
            try:
                name = get_signal_type(type_name).name
            except SignalError as exc:
                raise InvalidBankError(f"policies: {exc}") from None
            if not isinstance(values, Mapping):
                raise InvalidBankError(f"policies.{name} must be an object of settings")
            for setting, value in values.items():
                earlier = given.get((name, setting))
                if earlier is not None and earlier[1] != value:
                    raise InvalidBankError(
                        f"{earlier[0]} ({earlier[1]}) and policies.{name}."
                        f"{setting} ({value}) disagree"
                    )
            self._settings_of(settings, name).update(values)
        signals = {}
        for name, values in settings.items():
            try:
                signals[name] = SIGNAL_TYPES[name].Policy.from_json(values)
            except InvalidInputError as exc:
                raise InvalidBankError(f"policies.{name}.{exc}") from None
        return BankPolicy(
            self.action if action is None else _action(action), signals, self.unregistered
        )

    def _settings_of(self, settings: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
        if name not in settings:
            settings[name] = dict(self.for_type(name).to_json())
        return settings[name]

    def to_json(self) -> dict[str, Any]:
        """What the bank stores: settings per type name (types without settings left out)."""
        stored: dict[str, Any] = dict(self.unregistered)
        stored.update({name: p.to_json() for name, p in self.signals.items() if p.to_json()})
        return stored

    @classmethod
    def from_json(cls, action: str, stored: Mapping[str, Any]) -> BankPolicy:
        signals = {
            name: SIGNAL_TYPES[name].Policy.from_json(values)
            for name, values in stored.items()
            if name in SIGNAL_TYPES
        }
        others = {name: values for name, values in stored.items() if name not in SIGNAL_TYPES}
        return cls(_action(action), signals, others)

    def legacy(self) -> dict[str, Any]:
        """The flat fields as the API and CLI showed them."""
        return {
            flat: self.for_type(targets[0][0]).to_json()[targets[0][1]]
            for flat, targets in LEGACY_FIELDS.items()
        }

    def settings(self) -> dict[str, dict[str, Any]]:
        """Every registered type's settings in effect (defaults where the bank has none)."""
        return {
            t.name: self.for_type(t.name).to_json()
            for t in signal_types()
            if self.for_type(t.name).to_json()
        }

    def describe(self) -> str:
        """One line for people: each type's settings in effect."""
        return "; ".join(
            f"{t.name} {self.for_type(t.name).describe()}"
            for t in signal_types()
            if self.for_type(t.name).to_json()
        )
