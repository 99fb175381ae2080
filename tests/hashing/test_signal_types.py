"""The conformance suite every signal type goes through."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safeguarding.errors import SignalError
from safeguarding.hashing import SIGNAL_TYPES, SignalType, get_signal_type, validate_signal

ALL = sorted(SIGNAL_TYPES.values(), key=lambda t: t.name)


def test_names_are_the_stored_keys() -> None:
    # Stored in databases and export files: renaming one breaks every existing bank.
    assert sorted(SIGNAL_TYPES) == ["md5", "pdq", "sha256", "vpdq"]


@pytest.mark.parametrize("signal_type", ALL, ids=lambda t: t.name)
def test_examples_are_canonical_and_match_themselves(signal_type: type[SignalType]) -> None:
    for example in signal_type.examples():
        canonical = signal_type.validate(example)
        assert signal_type.validate(canonical) == canonical
        comparison = signal_type.compare(canonical, canonical)
        assert comparison.matched
        assert comparison.distance == 0


@pytest.mark.parametrize("signal_type", ALL, ids=lambda t: t.name)
def test_different_examples_do_not_match(signal_type: type[SignalType]) -> None:
    examples = [signal_type.validate(e) for e in signal_type.examples()]
    assert not signal_type.compare(examples[0], examples[-1]).matched


@pytest.mark.parametrize("signal_type", ALL, ids=lambda t: t.name)
@pytest.mark.parametrize("bad", ["", "xyz", "g" * 64, "0" * 63, "0" * 65, "ab cd", "\x00" * 32])
def test_malformed_values_are_rejected(signal_type: type[SignalType], bad: str) -> None:
    with pytest.raises(SignalError):
        signal_type.validate(bad)


@pytest.mark.parametrize("signal_type", ALL, ids=lambda t: t.name)
@given(text=st.text(max_size=200))
def test_validate_never_crashes(signal_type: type[SignalType], text: str) -> None:
    with contextlib.suppress(SignalError):
        signal_type.validate(text)


def test_case_and_whitespace_are_normalised() -> None:
    assert validate_signal(" PDQ ", "  " + "AB" * 32 + "\n") == ("pdq", "ab" * 32)


def test_unknown_type_names_the_known_ones() -> None:
    with pytest.raises(SignalError, match="known: md5, pdq, sha256, vpdq"):
        get_signal_type("photodna")
