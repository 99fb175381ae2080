"""Bank policies: settings per signal type, validated by each type; the flat fields kept."""

from __future__ import annotations

from typing import Any

import pytest

from safeguarding.banks.model import Action
from safeguarding.banks.policy import BankPolicy
from safeguarding.errors import InvalidBankError
from safeguarding.hashing.pdq import PdqPolicy
from safeguarding.hashing.vpdq import VpdqPolicy

DEFAULTS = {
    "pdq": {"threshold": 31, "min_quality": 50},
    "vpdq": {"frame_threshold": 31, "query_match_percent": 80.0, "index_match_percent": 0.0},
}


def test_defaults_come_from_the_signal_types_and_are_written_out() -> None:
    policy = BankPolicy.of()
    assert policy.action is Action.REVIEW
    assert policy.to_json() == DEFAULTS  # md5 and sha256 have no settings
    assert policy.for_type("pdq") == PdqPolicy() and policy.for_type("md5").to_json() == {}
    assert BankPolicy().to_json() == {} and BankPolicy().settings() == DEFAULTS


def test_flat_fields_set_what_they_always_meant() -> None:
    policy = BankPolicy.of(
        Action.BLOCK, pdq_threshold=20, min_quality=60, vpdq_query_match_percent=90
    )
    assert policy.for_type("pdq") == PdqPolicy(threshold=20, min_quality=60)
    assert policy.for_type("vpdq") == VpdqPolicy(frame_threshold=20, query_match_percent=90.0)
    assert policy.legacy() == {
        "pdq_threshold": 20,
        "min_quality": 60,
        "vpdq_query_match_percent": 90.0,
        "vpdq_index_match_percent": 0.0,
    }


def test_changes_merge_into_the_settings_the_bank_has() -> None:
    policy = BankPolicy.of(pdq_threshold=20).changed(policies={"pdq": {"min_quality": 70}})
    assert policy.for_type("pdq") == PdqPolicy(threshold=20, min_quality=70)
    assert policy.for_type("vpdq").to_json()["frame_threshold"] == 20
    assert policy.changed(action="report").action is Action.REPORT
    # a flat field and the map may both be given when they agree
    both = BankPolicy.of(pdq_threshold=12, policies={"pdq": {"threshold": 12}})
    assert both.for_type("pdq") == PdqPolicy(threshold=12)


@pytest.mark.parametrize(
    ("flat", "policies", "message"),
    [
        ({}, {"photodna": {"threshold": 1}}, "unknown signal type 'photodna'"),
        (
            {},
            {"pdq": {"distance": 1}},
            r"policies\.pdq\.distance: unknown setting \(known: "
            "min_quality, threshold\\)",
        ),
        (
            {},
            {"pdq": {"threshold": 129}},
            r"policies\.pdq\.threshold: must be a whole number "
            "between 0 and 128",
        ),
        ({}, {"pdq": {"threshold": 2.5}}, "whole number"),
        ({}, {"pdq": {"threshold": True}}, "whole number"),
        ({}, {"pdq": {"threshold": "31"}}, "whole number"),
        ({}, {"vpdq": {"query_match_percent": -1}}, r"between 0 and 100"),
        ({}, {"pdq": 31}, r"policies\.pdq must be an object"),
        (
            {"pdq_threshold": 20},
            {"pdq": {"threshold": 25}},
            r"pdq_threshold \(20\) and "
            r"policies\.pdq\.threshold \(25\) disagree",
        ),
        ({"pdq_threshold": 20}, {"vpdq": {"frame_threshold": 10}}, "disagree"),
        ({"min_quality": 500}, None, r"policies\.pdq\.min_quality"),
        ({"threshold": 5}, None, "unknown policy fields"),
    ],
)
def test_bad_settings_are_refused_naming_them(
    flat: dict[str, Any], policies: Any, message: str
) -> None:
    with pytest.raises(InvalidBankError, match=message):
        BankPolicy.of(policies=policies, **flat)


def test_settings_of_a_type_not_registered_here_are_kept() -> None:
    stored = {**DEFAULTS, "toyhist": {"max_distance": 5}}
    policy = BankPolicy.from_json("review", stored)
    assert policy.settings() == DEFAULTS  # not in effect in this process...
    changed = policy.changed(policies={"pdq": {"threshold": 10}})
    assert changed.to_json()["toyhist"] == {"max_distance": 5}  # ...and never dropped
    with pytest.raises(InvalidBankError, match="action must be one of"):
        BankPolicy.from_json("delete", stored)
