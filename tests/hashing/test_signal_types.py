"""The conformance suite every signal type goes through: values, policy, index, registry.

`check_signal_type` is what any new type must pass (the toy type in test_new_signal_type.py
runs it too)."""

from __future__ import annotations

import contextlib
from dataclasses import fields
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safeguarding.config import Settings
from safeguarding.errors import InvalidInputError, SignalError
from safeguarding.hashing import SIGNAL_TYPES, SignalType, get_signal_type, validate_signal
from safeguarding.hashing.base import Signal
from safeguarding.hashing.pdq import PdqSignal
from safeguarding.hashing.registry import register, signal_types, unregister

ALL = sorted(SIGNAL_TYPES.values(), key=lambda t: t.name)


def check_signal_type(signal_type: type[SignalType], tmp_path: Path) -> None:
    """Examples are canonical and match themselves; the policy's defaults are valid and
    survive JSON; the index finds each example and survives its own file."""
    examples = [signal_type.validate(e) for e in signal_type.examples()]
    for canonical in examples:
        assert signal_type.validate(canonical) == canonical
        comparison = signal_type.compare(canonical, canonical)
        assert comparison.matched
        assert comparison.distance == 0
    assert not signal_type.compare(examples[0], examples[-1]).matched

    policy = signal_type.Policy()
    assert signal_type.Policy.from_json(policy.to_json()) == policy
    assert policy.search_threshold() >= 0
    for spec in fields(policy):
        default, low, high = signal_type.Policy.spec(spec.name)
        assert low <= default <= high
        with pytest.raises(InvalidInputError, match=spec.name):
            signal_type.Policy.from_json({spec.name: high + 1})
    with pytest.raises(InvalidInputError, match="unknown setting"):
        signal_type.Policy.from_json({"no_such_setting": 1})
    assert signal_type.do_not_match_distance(Settings()) >= 0

    items = list(enumerate(examples, start=1))
    for index_cls in {signal_type.get_index_cls(), signal_type.get_do_not_match_index_cls()}:
        index = index_cls.build(items)
        threshold = policy.search_threshold()
        for entry_id, value in items:
            assert entry_id in [hit.id for hit in index.query(value, threshold)]
        index.save(tmp_path / f"{signal_type.name}.idx")
        loaded = index_cls.load(tmp_path / f"{signal_type.name}.idx")
        assert len(loaded) == len(items)
        assert loaded.query_many([v for _, v in items], threshold) == index.query_many(
            [v for _, v in items], threshold
        )
        loaded.remove([1])
        assert 1 not in loaded and 1 not in [h.id for h in loaded.query(items[0][1], 0)]


@pytest.mark.parametrize("signal_type", ALL, ids=lambda t: t.name)
def test_every_type_conforms(signal_type: type[SignalType], tmp_path: Path) -> None:
    check_signal_type(signal_type, tmp_path)


def test_names_are_the_stored_keys() -> None:
    # Stored in databases and export files: renaming one breaks every existing bank.
    assert sorted(SIGNAL_TYPES) == ["md5", "pdq", "sha256", "vpdq"]


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


def _near(example: str) -> st.SearchStrategy[str]:
    """Values that are, or almost are, canonical: what a list check must not mistake."""
    return st.sampled_from(
        [
            example,
            example.upper(),
            f" {example}",
            example[:-1],
            example + "0",
            example[:-1] + "\n",
            example[:5] + "\n" + example[6:],
            example[:-2] + "\n" + example[-1:] + "0",
            example[:-1] + "g",
        ]
    ) | st.text(max_size=70)


@pytest.mark.parametrize("signal_type", ALL, ids=lambda t: t.name)
@given(data=st.data())
def test_a_list_is_validated_as_each_value_alone(
    signal_type: type[SignalType], data: st.DataObject
) -> None:
    # validate_many checks hex types a page at once; it must agree with validate exactly
    example = signal_type.examples()[0]
    values = data.draw(st.lists(_near(example) | st.just(example), max_size=8))
    try:
        expected: list[str] | None = [signal_type.validate(v) for v in values]
    except SignalError:
        expected = None
    if expected is None:
        with pytest.raises(SignalError):
            signal_type.validate_many(values)
    else:
        assert signal_type.validate_many(values) == expected


def test_case_and_whitespace_are_normalised() -> None:
    assert validate_signal(" PDQ ", "  " + "AB" * 32 + "\n") == ("pdq", "ab" * 32)


def test_unknown_type_names_the_known_ones() -> None:
    with pytest.raises(SignalError, match="known: md5, pdq, sha256, vpdq"):
        get_signal_type("photodna")


def test_a_taken_or_malformed_name_cannot_be_registered() -> None:
    class Again(PdqSignal):
        pass

    with pytest.raises(SignalError, match="already registered"):
        register(Again)
    for bad in ("PDQ", "", "1pdq", "a" * 21, "p-dq"):
        Again.name = bad
        with pytest.raises(SignalError, match="invalid signal type name"):
            register(Again)
    assert SIGNAL_TYPES["pdq"] is PdqSignal
    Again.name = "pdq_again"
    register(Again)
    try:
        assert signal_types()[-1] is Again
    finally:
        unregister("pdq_again")
    assert "pdq_again" not in SIGNAL_TYPES


def test_a_query_searches_each_rotation_of_each_view() -> None:
    rotations = tuple(f"{i:064x}" for i in range(8))
    plain = Signal("pdq", rotations[0], 90, None, rotations)
    assert [name for name, _ in PdqSignal.variants(plain)][:2] == ["original", "rotate90"]
    trimmed = Signal("pdq", rotations[0], 90, "trimmed", rotations)
    assert PdqSignal.variants(trimmed)[1] == ("trimmed/rotate90", rotations[1])
    assert PdqSignal.variants(Signal("pdq", rotations[0], 90, "crop90")) == (
        ("crop90/original", rotations[0]),
    )
    assert PdqSignal.variants(Signal("pdq", rotations[0])) == ()
