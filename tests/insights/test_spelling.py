from __future__ import annotations

import pytest

from safeguarding.insights.spelling import NearMisses, one_slip


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("instagarm", "instagram", True),  # two neighbours swapped
        ("whatsaap", "whatsapp", True),  # one changed
        ("youtbe", "youtube", True),  # one missing
        ("snapchatt", "snapchat", True),  # one added
        ("snapchat", "snapchat", False),  # the same word is no slip
        ("instgarm", "instagram", False),  # two slips
        ("abcd", "badc", False),  # two swaps
        ("patreon", "patron", True),
    ],
)
def test_one_slip(a: str, b: str, expected: bool) -> None:
    assert one_slip(a, b) is expected
    assert one_slip(b, a) is expected


def test_near_misses_find_names_one_slip_away_with_the_same_first_letter() -> None:
    index = NearMisses(["instagram", "icloud", "imessage", "youtube"])
    assert index.find("instagarm") == ["instagram"]
    assert index.find("youtbe") == ["youtube"]
    assert index.find("message") == []  # imessage minus its first letter: a different word
    assert index.find("cloud") == []
    assert index.find("instagram") == []  # exact names are not near misses
