"""Conversation-level behaviour: stages, asymmetry, latching, roles, limits, hostile input."""

from __future__ import annotations

import json
import time

import pytest

from safeguarding.conversation.analyzer import ConversationAnalyzer, Limits, Message
from safeguarding.conversation.detector import MessageDetector
from safeguarding.conversation.state import ConversationState
from safeguarding.errors import ConversationLimitError
from tests.conversation.conftest import chat

GROOMING = chat(
    "m: hey you're really good at this game", "k: thanks lol",
    "m: you seem so mature for your age", "m: how old are you?", "k: 13 u?",
    "m: 24 but age is just a number", "m: are your parents home?", "k: no they're at work",
    "m: don't tell anyone we talk ok", "k: ok", "m: add me on snap, this app is monitored",
    "m: send me a pic of you",
)
SEXTORTION = chat(
    "x: hey cutie", "k: who is this", "x: i have your pics",
    "x: i'll send them to all your friends unless you pay $200", "k: please don't",
)


def test_grooming_alerts_before_the_request_with_evidence(rules: ConversationAnalyzer) -> None:
    result = rules.score("g", GROOMING)
    assert result.alert and result.category == "grooming"
    assert result.first_alert_index is not None and result.first_alert_index < 11
    assert result.offender == "m" and result.child == "k"
    assert result.tier in ("review", "urgent")
    assert {"age_probe", "risk_check", "secrecy"} <= set(result.tactics)
    assert all(e["sender"] == "m" for e in result.evidence)
    assert any(e.get("excerpt") == "are your parents home?" for e in result.evidence)


def test_sextortion_is_urgent_at_the_threat(rules: ConversationAnalyzer) -> None:
    result = rules.score("s", SEXTORTION)
    assert result.alert and result.category == "sextortion" and result.tier == "urgent"
    assert result.first_alert_index == 3
    assert result.offender == "x"


def test_ordinary_chat_and_single_tactics_do_not_alert(rules: ConversationAnalyzer) -> None:
    assert not rules.score("a", chat("a: you played so well today", "b: thanks coach",
                                     "a: practice moved to 5pm")).alert
    assert not rules.score("b", chat("a: add me on discord", "b: ok",
                                     "a: gg", "b: gg")).alert


def test_family_secrets_do_not_alert(rules: ConversationAnalyzer) -> None:
    family = chat("g: hello darling", "k: hi grandma", "g: you're such a beautiful girl",
                  "g: i'll send you some money for your birthday", "k: thanks nan",
                  "g: don't tell your brother, our little secret",
                  "g: i can pick you up from the station")
    assert not rules.score("f", family, {"g": {"age": 70}, "k": {"age": 11}}).alert


def test_adult_to_minor_weighs_more_than_peers(rules: ConversationAnalyzer) -> None:
    lines = chat("a: ur cute", "a: add me on snap", "a: dont tell anyone",
                 "a: send a selfie")
    peers = rules.score("p", lines, {"a": {"age": 15}, "b": {"age": 15}})
    adult = rules.score("q", lines, {"a": {"age": 30}, "b": {"age": 14}})
    assert adult.grooming_score > peers.grooming_score


def test_stages_in_grooming_order_weigh_more_than_the_same_jumbled(
        rules: ConversationAnalyzer) -> None:
    ordered = chat("a: you seem so mature", "b: thanks", "a: how old are you?", "b: 14",
                   "a: dont tell anyone we talk ok", "b: ok", "a: send me a pic")
    jumbled = chat("a: send me a pic", "b: what", "a: dont tell anyone we talk ok", "b: ok",
                   "a: how old are you?", "b: 14", "a: you seem so mature")
    first, second = rules.score("o", ordered), rules.score("j", jumbled)
    assert first.grooming_score > second.grooming_score


def test_one_side_asking_the_questions_weighs_more(rules: ConversationAnalyzer) -> None:
    def talk(asker: str, answerer: str) -> list[Message]:
        return chat(f"{asker}: you're really cute", f"{answerer}: thanks",
                    f"{asker}: what school do you go to?", f"{answerer}: the one in town",
                    f"{asker}: are you home alone?", f"{answerer}: yeah",
                    f"{asker}: what are you doing now?", f"{answerer}: nothing much",
                    f"{asker}: add me on snap", f"{answerer}: ok")
    interviewing = rules.score("i", talk("a", "b"))
    both = chat("a: you're really cute", "b: thanks, what about you?",
                "a: what school do you go to?", "b: the one in town, you?",
                "a: are you home alone?", "b: yeah, are you?",
                "a: what are you doing now?", "b: nothing much, you?",
                "a: add me on snap", "b: ok")
    assert interviewing.grooming_score > rules.score("e", both).grooming_score


def test_nudges_go_to_minors_not_to_known_adults(rules: ConversationAnalyzer) -> None:
    lines = chat("a: ur so pretty", "a: what school do you go to?", "b: the one in town",
                 "a: add me on snap")
    minor = rules.score("m", lines, {"b": {"age": 13}})
    adult = rules.score("n", lines, {"b": {"age": 30}})
    assert 0.5 <= minor.grooming_score < 0.72 and minor.tier == "nudge"
    assert adult.tier == "none"


def test_streaming_equals_batch_and_state_survives_json(rules: ConversationAnalyzer) -> None:
    batch = rules.score("g", GROOMING)
    state = rules.new_state("g")
    for message in GROOMING:
        # Through JSON each time, as the database stores it.
        state = ConversationState.from_json(json.loads(json.dumps(state.to_json())))
        streamed = rules.observe(state, [message])
    assert streamed.to_json() == batch.to_json()


def test_alert_latches_through_later_ordinary_messages(rules: ConversationAnalyzer) -> None:
    state = rules.new_state("s")
    rules.observe(state, SEXTORTION)
    later = rules.observe(state, chat(*["x: lol ok"] * 30, "k: bye"))
    assert later.alert and later.tier == "urgent" and later.first_alert_index == 3


def test_model_mode_also_catches_paraphrase(with_model: ConversationAnalyzer,
                                            rules: ConversationAnalyzer) -> None:
    # Worded to dodge the patterns: the semantic side has to see it.
    lines = chat("a: hey", "b: hi", "a: how many candles were on your last birthday cake?",
                 "b: 13", "a: is your mom nearby or are you by yourself",
                 "a: whatever we talk about stays with us two, deal?",
                 "a: there's another app where messages vanish, get it")
    assert with_model.score("p", lines).grooming_score > rules.score("p", lines).grooming_score


def test_limits_give_clear_errors() -> None:
    analyzer = ConversationAnalyzer(MessageDetector(None),
                                    Limits(max_message_chars=1000, max_participants=3,
                                           max_messages=5))
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


def test_hostile_input_has_bounded_cost(rules: ConversationAnalyzer) -> None:
    megabyte = ConversationAnalyzer(MessageDetector(None), Limits(max_message_chars=2_000_000))
    started = time.perf_counter()
    megabyte.score("big", [Message("a", "don't tell anyone " + "ha" * 500_000)])
    megabyte.score("junk", [Message("a", bytes(range(256)).decode("latin-1") * 4000)])
    megabyte.score("emoji", [Message("a", "\U0001f600\u200d" * 200_000)])
    assert time.perf_counter() - started < 10
    # A long conversation keeps a state of bounded size.
    state = rules.new_state("long")
    rules.observe(state, [Message("ab"[i % 2], "are your parents home? lol")
                          for i in range(5000)])
    size = len(json.dumps(state.to_json()))
    rules.observe(state, [Message("ab"[i % 2], "don't tell anyone") for i in range(5000)])
    assert len(json.dumps(state.to_json())) < size + 2000
    assert state.messages == 10_000
