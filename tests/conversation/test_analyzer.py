"""Conversation-level behaviour: stages, asymmetry, latching, roles, limits, hostile input."""

from __future__ import annotations

import json
import time

import pytest

from safeguarding.conversation.analyzer import ConversationAnalyzer, Limits, Message
from safeguarding.conversation.loader import load_detector
from safeguarding.conversation.state import ConversationState
from safeguarding.errors import ConversationLimitError
from tests.conversation.conftest import chat, needs_model, streamed

GROOMING = chat(
    "m: hey you're really good at this game",
    "k: thanks lol",
    "m: you seem so mature for your age",
    "m: how old are you?",
    "k: 13 u?",
    "m: 24 but age is just a number",
    "m: are your parents home?",
    "k: no they're at work",
    "m: don't tell anyone we talk ok",
    "k: ok",
    "m: add me on snap, this app is monitored",
    "m: send me a pic of you",
)
SEXTORTION = chat(
    "x: hey cutie",
    "k: who is this",
    "x: i have your pics",
    "x: i'll send them to all your friends unless you pay $200",
    "k: please don't",
)


def test_grooming_scores_far_above_ordinary_chat_with_evidence(
    lexical: ConversationAnalyzer,
) -> None:
    result = lexical.score("g", GROOMING)
    ordinary = lexical.score(
        "o", chat("a: you played so well today", "b: thanks coach", "a: practice moved to 5pm")
    )
    assert result.grooming_score > 0.9 > 0.5 > ordinary.grooming_score
    assert result.tier != "none" and ordinary.tier == "none"
    # (the lexical tactic model rates "don't tell anyone we talk ok" below 0.5 for secrecy)
    assert {"age_probe", "risk_check"} <= set(result.tactics)
    assert all(e["sender"] == "m" for e in result.evidence)


def test_sextortion_is_urgent_at_the_threat(lexical: ConversationAnalyzer) -> None:
    result = lexical.score("s", SEXTORTION)
    assert result.alert and result.category == "sextortion" and result.tier == "urgent"
    # "i have your pics" already holds the threat the next message spells out: alerting on
    # either is on time; never on the opening.
    assert result.first_alert_index in (2, 3)
    assert result.offender == "x"


def test_no_sextortion_without_a_threat_or_demand(lexical: ConversationAnalyzer) -> None:
    # Friendly openings of sextortion scripts, with no threat or demand yet
    lines = chat("a: ur cute", "a: add me on snap", "a: dont tell anyone", "a: send a selfie")
    result = lexical.score("q", lines, {"a": {"age": 30}, "b": {"age": 14}})
    assert result.category != "sextortion" and result.tier != "urgent"
    assert result.grooming_score > 0.5


@pytest.mark.parametrize(
    "ages",
    [
        {"a": {"age": 33}, "b": {"age": 34}},  # the platform knows two adults
        {"a": {"age": 16}, "b": {"age": 16}},  # two peers
        {"a": {"age": 40}, "b": {"age": 13}},
    ],
)
def test_given_ages_do_not_move_the_scores_only_who_is_nudged(
    lexical: ConversationAnalyzer, ages: dict[str, dict[str, int]]
) -> None:
    """The conversation model was trained with ages withheld and reads stated ages only; a
    platform's ages choose the likely child and the nudge, never the probabilities the
    thresholds were set on (given ones alerted 22 of 1,240 never-seen benign chats against
    12 withheld, among them adults flirting: docs/conversation.md, "Session 47")."""
    lines = chat(
        "a: ur so cute", "b: lol thanks", "a: im 15 btw, u?", "b: 16",
        "a: i have ur pics", "a: send more or everyone sees them",
    )  # fmt: skip
    withheld = lexical.score("w", lines)
    given = lexical.score("g", lines, ages)
    assert (given.grooming_score, given.sextortion_score) == (
        withheld.grooming_score,
        withheld.sextortion_score,
    )
    state = lexical.new_state("s", ages)
    lexical.observe(state, lines)
    # the stated age is kept beside the platform's, which stays the one roles go by
    assert state.participants["a"].stated_age == 15
    assert state.participants["a"].age == ages["a"]["age"]
    assert state.participants["a"].age_source == "platform"


def test_ordinary_chat_and_single_tactics_do_not_alert(lexical: ConversationAnalyzer) -> None:
    assert not lexical.score(
        "a", chat("a: you played so well today", "b: thanks coach", "a: practice moved to 5pm")
    ).alert
    assert not lexical.score("b", chat("a: add me on discord", "b: ok", "a: gg", "b: gg")).alert


@needs_model
def test_family_secrets_do_not_alert(with_model: ConversationAnalyzer) -> None:
    # The lexical fallback alerts on this one (a known gap, in the model card): the words
    # alone are a stranger's; the encoder reads them as a grandparent's.
    family = chat(
        "g: hello darling",
        "k: hi grandma",
        "g: you're such a beautiful girl",
        "g: i'll send you some money for your birthday",
        "k: thanks nan",
        "g: don't tell your brother, our little secret",
        "g: i can pick you up from the station",
    )
    assert not with_model.score("f", family, {"g": {"age": 70}, "k": {"age": 11}}).alert


def test_streaming_equals_batch_and_state_survives_json(lexical: ConversationAnalyzer) -> None:
    batch = lexical.score("g", GROOMING)
    stream, _ = streamed(lexical, "g", GROOMING)
    assert stream.as_dict() == batch.as_dict()


def test_the_encoder_bundle_streams_like_it_batches(with_model: ConversationAnalyzer) -> None:
    """With the sextortion moment model the previous message counts, through one number the
    state carries: one message per call, through JSON, gives the batch's assessment."""
    batch = with_model.score("s", SEXTORTION)
    stream, state = streamed(with_model, "s", SEXTORTION)
    assert stream.as_dict() == batch.as_dict()
    assert batch.alert and batch.category == "sextortion"
    if with_model.detector.moment is not None:
        assert state.moment_context != 0.0 and state.moment_score > 0.0


def test_alert_latches_through_later_ordinary_messages(lexical: ConversationAnalyzer) -> None:
    state = lexical.new_state("s")
    lexical.observe(state, SEXTORTION)
    later = lexical.observe(state, chat(*["x: lol ok"] * 30, "k: bye"))
    assert later.alert and later.tier == "urgent" and later.first_alert_index in (2, 3)


def test_limits_give_clear_errors() -> None:
    analyzer = ConversationAnalyzer(
        load_detector("none"), Limits(max_message_chars=1000, max_participants=3, max_messages=5)
    )
    with pytest.raises(ConversationLimitError, match="exceeds the limit of 1000"):
        analyzer.score("c", [Message("a", "x" * 1001)])
    with pytest.raises(ConversationLimitError, match="3 participants"):
        analyzer.score("c", [Message(s, "hi") for s in "abcd"])
    state = analyzer.new_state("c")
    analyzer.observe(state, [Message("a", "hi")] * 5)
    with pytest.raises(ConversationLimitError, match="5 messages"):
        analyzer.observe(state, [Message("a", "hi")])
    with pytest.raises(ConversationLimitError, match="sender"):
        analyzer.score("c", [Message("", "hi")])
    with pytest.raises(ConversationLimitError, match="age"):
        analyzer.new_state("c", {"a": {"age": "old"}})


def test_hostile_input_has_bounded_cost(lexical: ConversationAnalyzer) -> None:
    megabyte = ConversationAnalyzer(load_detector("none"), Limits(max_message_chars=2_000_000))
    started = time.perf_counter()
    megabyte.score("big", [Message("a", "don't tell anyone " + "ha" * 500_000)])
    megabyte.score("junk", [Message("a", bytes(range(256)).decode("latin-1") * 4000)])
    megabyte.score("emoji", [Message("a", "\U0001f600\u200d" * 200_000)])
    assert time.perf_counter() - started < 10
    # A long conversation keeps a state of bounded size.
    state = lexical.new_state("long")
    lexical.observe(
        state, [Message("ab"[i % 2], "are your parents home? lol") for i in range(5000)]
    )
    size = len(json.dumps(state.to_json()))
    lexical.observe(state, [Message("ab"[i % 2], "don't tell anyone") for i in range(5000)])
    assert len(json.dumps(state.to_json())) < size + 2000
    assert state.messages == 10_000


def test_a_state_stored_before_stated_ages_were_kept_apart_reads_the_same(
    lexical: ConversationAnalyzer,
) -> None:
    lines = chat("a: how old r u", "b: im 13", "a: ur so mature", "a: dont tell ur mum we talk")
    state = lexical.new_state("old", {"a": {"age": 35}})
    lexical.observe(state, lines[:2])
    stored = state.to_json()
    for participant in stored["participants"].values():
        del participant["stated_age"]  # as stored before session 47
    old = ConversationState.from_json(json.loads(json.dumps(stored)))
    assert old.participants["b"].stated_age == 13  # stated: kept reading
    assert old.participants["a"].stated_age is None  # the platform's: never a stated one
    fresh = lexical.observe(state, lines[2:])
    again = lexical.observe(old, lines[2:])
    assert (again.grooming_score, again.sextortion_score) == (
        fresh.grooming_score,
        fresh.sextortion_score,
    )
