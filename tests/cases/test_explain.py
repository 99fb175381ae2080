"""A case in plain words: match summaries from the evidence, a conversation's people, ages
and tactics, user reports."""

from __future__ import annotations

import pytest

from safeguarding.cases import explain
from safeguarding.conversation.tactics import Tactic


def _match(
    bank: str, signal: str, distance: float, source: str = "local", **extra: object
) -> dict[str, object]:
    return {"bank": bank, "signal_type": signal, "distance": distance, "source": source, **extra}


@pytest.mark.parametrize(
    ("matches", "said"),
    [
        (
            [_match("a", "md5", 0, "ncmec"), _match("b", "pdq", 4), _match("c", "pdq", 0, "iwf")],
            "This photo matched 3 lists, including NCMEC's and the IWF's, as an exact copy (the "
            "same file).",
        ),
        (
            [_match("a", "pdq", 0, "ncmec")],
            "This photo matched the list a (NCMEC's) as a visually identical copy.",
        ),
        (
            [_match("a", "pdq", 6, variant="trimmed/rotate90")],
            "This photo matched the list a as a near-identical copy, with its borders trimmed and "
            "turned or mirrored.",
        ),
        (
            [_match("a", "pdq", 24, entry_view="crop95")],
            "This photo matched the list a as a similar image (24 of 256 bits differ), cropped.",
        ),
        ([_match("v", "vpdq", 0)], "This video matched the list v as a copy of the same video."),
        (
            [_match("f", "sha256", 0)],
            "This file matched the list f as an exact copy (the same file).",
        ),
    ],
)
def test_match_summaries(matches: list[dict[str, object]], said: str) -> None:
    assert explain.match_summary(matches) == said


def test_a_conversation_in_plain_words() -> None:
    alert = {
        "category": "grooming",
        "offender": "u1",
        "child": "kid",
        "tactics": {"secrecy": [4], "platform_switch": [5], "age_probe": [2, 3]},
        "excerpts": [
            {"index": 4, "sender": "u1", "tactics": {"secrecy": 0.8}},
            {"index": 5, "sender": "u1", "tactics": {"platform_switch": 0.6}},
            {"index": 3, "sender": "kid", "tactics": {"age_probe": 0.4}},
        ],
    }
    ages: dict[str, tuple[int | None, str | None]] = {"u1": (24, "stated"), "kid": (13, "stated")}
    assert explain.conversation_summary(alert, ages) == (
        "Adult account u1 (stated 24), talking with a child who said they are 13, asked them "
        "to keep their chats secret and asked them to move to another app (grooming alert)."
    )
    unknown = explain.conversation_summary({**alert, "child": None}, {})
    assert unknown.startswith("Account u1, talking with someone who is likely a child,")
    assert explain.person("kid", 15, "platform") == "Child's account kid (15 by the platform)"
    assert explain.tactic_label("age_probe") == "Asks age"
    assert explain.tactic_label("something_new") == "Something new"


def test_reports_in_plain_words() -> None:
    assert explain.report_summary([{"category": "csam"}, {"category": "grooming"}], 3) == (
        "Reported by people on the platform as child sexual abuse material and grooming, 3 times."
    )


def test_every_tactic_has_plain_words() -> None:
    for tactic in Tactic:  # a tactic added to the detector needs its words here
        assert tactic in explain.TACTIC_DEEDS and tactic in explain.TACTIC_LABELS
