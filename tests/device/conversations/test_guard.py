"""ConversationGuard: nudges for the child from the conversation engine, on the device, with
bounded state. The lexical bundle runs everywhere; the encoder's test needs the model extra."""

from __future__ import annotations

import json
import socket
import tracemalloc
from typing import Any

import pytest

from safeguarding.device.conversations import SIGNS, ConversationGuard, Nudge
from safeguarding.device.conversations.guard import MAX_MESSAGE_CHARS
from safeguarding.device.franking.message import MAX_TEXT_BYTES
from safeguarding.device.safety import UK_HELP, ChoiceId, HelpRoute
from safeguarding.errors import ConversationFormatError, ConversationLimitError
from tests.conversation.conftest import needs_model

GROOMING = [
    ("m", "hey you're really good at this game"),
    ("k", "thanks lol"),
    ("m", "you seem so mature for your age"),
    ("m", "how old are you?"),
    ("k", "13 u?"),
    ("m", "24 but age is just a number"),
    ("m", "are your parents home?"),
    ("k", "no they're at work"),
    ("m", "don't tell anyone we talk ok"),
    ("k", "ok"),
    ("m", "add me on snap, this app is monitored"),
    ("m", "send me a pic of you"),
]
SEXTORTION = [
    ("x", "hey cutie"),
    ("k", "who is this"),
    ("x", "i have your pics"),
    ("x", "i'll send them to all your friends unless you pay $200"),
    ("k", "please don't"),
]
ORDINARY = [
    ("a", "you played so well today"),
    ("k", "thanks coach"),
    ("a", "practice moved to 5pm"),
    ("k", "ok see you there"),
    ("a", "bring your water bottle"),
    ("k", "will do"),
]


@pytest.fixture(scope="module")
def guard_factory() -> Any:
    from safeguarding.conversation import load_detector

    detector = load_detector("none")  # the lexical bundle: no encoder needed

    def make(**options: Any) -> ConversationGuard:
        return ConversationGuard("k", age=13, detector=detector, **options)

    return make


def feed(guard: ConversationGuard, conversation: str, lines: list[tuple[str, str]]) -> list[Nudge]:
    return [
        n for sender, text in lines if (n := guard.observe(conversation, sender, text)) is not None
    ]


def test_grooming_nudges_the_child_with_what_is_happening_and_where_to_turn(
    guard_factory: Any,
) -> None:
    nudges = feed(guard_factory(), "g", GROOMING)
    assert nudges, "the grooming chat raised no nudge"
    first = nudges[0]
    assert first.kind == "grooming" and first.about == "m" and first.conversation_id == "g"
    # never on a compliment alone: the first sign worth naming is the question about age
    assert first.message_index == 3 and "age_probe" in first.signs
    words = " ".join(first.warning.paragraphs)
    assert "how old you are" in words and "not your fault" in words
    assert [c.id for c in first.warning.choices] == [
        ChoiceId.BLOCK_SENDER,
        ChoiceId.REPORT,
        ChoiceId.GET_HELP,
        ChoiceId.NOT_NOW,
    ]
    assert first.warning.help == UK_HELP
    # each nudge is news: a higher tier or a new request, never the same one twice
    assert len({(n.tier, n.signs) for n in nudges}) == len(nudges)
    assert all(n.about == "m" and set(n.signs) & SIGNS.keys() for n in nudges)


def test_sextortion_is_its_own_nudge_at_the_threat(guard_factory: Any) -> None:
    nudges = feed(guard_factory(), "s", SEXTORTION)
    assert [n.kind for n in nudges][:1] == ["sextortion"]
    assert nudges[0].tier == "urgent" and nudges[0].message_index in (2, 3)
    words = " ".join(nudges[0].warning.paragraphs)
    assert "Don't pay" in words and "not your fault" in words
    assert nudges[0].warning.id == "conversation_sextortion"


def test_ordinary_chat_and_the_childs_own_words_raise_nothing(guard_factory: Any) -> None:
    guard = guard_factory()
    assert feed(guard, "o", ORDINARY) == []
    # the child asking a friend the same questions is not a risk to the child
    own = [
        ("k", "how old are you?"),
        ("f", "13"),
        ("k", "are your parents home?"),
        ("f", "no"),
        ("k", "don't tell anyone ok"),
        ("k", "add me on snap"),
    ]
    assert all(n.about != "k" for n in feed(guard, "own", own))


def test_help_routes_are_the_apps(guard_factory: Any) -> None:
    routes = (HelpRoute("kids_help_phone", "Kids Help Phone", "24/7", "https://example.org"),)
    nudges = feed(guard_factory(help_routes=routes), "s", SEXTORTION)
    assert nudges and nudges[0].warning.help == routes


def test_state_stays_bounded_over_thousands_of_messages(guard_factory: Any) -> None:
    guard = guard_factory(max_conversations=20)
    lines = GROOMING + ORDINARY + SEXTORTION
    for i in range(300):  # warm up: every tactic seen, every evidence list full
        sender, text = lines[i % len(lines)]
        guard.observe(f"c{i % 40}", sender, text, at_ms=1_000 * i)
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        size_before = len(json.dumps(guard.snapshot()))
        for i in range(300, 2_300):
            sender, text = lines[i % len(lines)]
            guard.observe(f"c{i % 40}", sender, f"{text} {i}", at_ms=1_000 * i)
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = sum(s.size_diff for s in after.compare_to(before, "filename"))
    size_after = len(json.dumps(guard.snapshot()))
    assert guard.conversations == 20
    assert size_after < 1.2 * size_before and size_after < 200_000
    assert grown < 512 * 1024, f"{grown} bytes more after 2,000 messages"


def test_bad_input_is_refused_and_changes_nothing(guard_factory: Any) -> None:
    guard = guard_factory()
    feed(guard, "g", GROOMING[:4])
    kept = json.dumps(guard.snapshot())
    with pytest.raises(ConversationLimitError, match="exceeds the limit"):
        guard.observe("g", "m", "x" * (MAX_MESSAGE_CHARS + 1))
    with pytest.raises(ConversationFormatError, match="control characters"):
        guard.observe("g", "m\x00", "hello")
    with pytest.raises(ConversationLimitError, match="message 1:"):
        guard.observe_many("g", [("m", "hi", None), ("", "no sender", None)])
    assert (
        json.loads(json.dumps(guard.snapshot()))["conversations"][0]["state"]["messages"] == 5
    )  # the good message before the bad one counts
    guard.forget("g")
    feed(guard, "g", GROOMING[:4])
    assert json.dumps(guard.snapshot()) == kept
    with pytest.raises(ConversationLimitError):
        ConversationGuard("k", age=200, model="none")
    with pytest.raises(ConversationLimitError):
        ConversationGuard("k", model="none", max_conversations=0)


def test_a_snapshot_restores_without_nudging_again(guard_factory: Any) -> None:
    guard = guard_factory()
    first = feed(guard, "g", GROOMING[:6])
    assert first
    saved = json.loads(json.dumps(guard.snapshot()))
    again = guard_factory()
    again.restore(saved)
    assert feed(again, "g", GROOMING[6:]) == feed(guard, "g", GROOMING[6:])
    for broken in (
        {},
        {"version": 2, "conversations": []},
        {"version": 1},
        {"version": 1, "conversations": [{"state": {}}]},
    ):
        with pytest.raises(ConversationFormatError, match="not a ConversationGuard snapshot"):
            again.restore(broken)
    assert again.snapshot() == guard.snapshot()


def test_the_message_limit_is_frankings() -> None:
    assert MAX_MESSAGE_CHARS == MAX_TEXT_BYTES


def test_nothing_leaves_the_device(guard_factory: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("ConversationGuard opened a connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    assert feed(guard_factory(), "s", SEXTORTION)


@needs_model
def test_the_encoder_bundle_nudges_too() -> None:
    from safeguarding.conversation import load_detector

    # load_detector keeps one per process: the conversation tests' own, when they ran first
    guard = ConversationGuard("k", age=13, detector=load_detector("use"))
    grooming = feed(guard, "g", GROOMING)
    assert grooming and grooming[0].kind == "grooming" and grooming[0].about == "m"
    # A sextortion-level score before anyone has surely threatened is grooming's lead, not
    # sextortion's emergency (assess.threatened): version 5 nudged at "i have your pics"
    # that way and turned to sextortion, urgent, at the plain threat (3); versions 10 and 13 read
    # "i have your pics" itself as a threat and are urgent there (2). Either is on time.
    sextortion = [(n.kind, n.tier, n.message_index) for n in feed(guard, "s", SEXTORTION)]
    assert any((k, t) == ("sextortion", "urgent") and i in (2, 3) for k, t, i in sextortion)
    assert all(index <= 3 for _, _, index in sextortion)
    assert feed(guard, "o", ORDINARY) == []
