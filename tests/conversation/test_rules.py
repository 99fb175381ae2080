"""The explicit patterns: each tactic seen in its usual forms, and not in look-alike
ordinary messages."""

from __future__ import annotations

import pytest

from safeguarding.conversation.ages import minor_cue, stated_age
from safeguarding.conversation.normalize import normalize
from safeguarding.conversation.rules import addresses_family, rule_scores
from safeguarding.conversation.tactics import Tactic

T = Tactic


@pytest.mark.parametrize(
    ("text", "tactic"),
    [
        ("ur so mature for ur age", T.RAPPORT),
        ("wait how old r u", T.AGE_PROBE),
        ("what grade are you in", T.AGE_PROBE),
        ("what school do you go to", T.PERSONAL_INFO),
        ("r ur parents home rn", T.RISK_CHECK),
        ("are you home alone tonight", T.RISK_CHECK),
        ("does your mom read your messages", T.RISK_CHECK),
        ("dont tell anyone about this ok", T.SECRECY),
        ("delete our chats after", T.SECRECY),
        ("nobody gets you like i do", T.ISOLATION),
        ("i can buy you robux", T.GIFTS),
        ("add me on d1sc0rd", T.PLATFORM_SWITCH),
        ("lets talk somewhere more private", T.PLATFORM_SWITCH),
        ("send me a selfie", T.IMAGE_REQUEST),
        ("turn your camera on", T.IMAGE_REQUEST),
        ("we should meet up irl", T.MEETING_REQUEST),
        ("i can pick you up after school", T.MEETING_REQUEST),
        ("i'll send your pics to all your friends", T.THREAT),
        ("everyone at your school will see them", T.THREAT),
        ("i screenshotted everything", T.THREAT),
        ("pay me $300", T.PAYMENT_DEMAND),
        ("send me a $100 gift card", T.PAYMENT_DEMAND),
        ("you have 2 hours", T.PAYMENT_DEMAND),
        ("everyone your age does it", T.DESENSITISATION),
        ("if you really loved me you would", T.PRESSURE),
    ],
)
def test_tactic_is_seen(text: str, tactic: Tactic) -> None:
    assert rule_scores(normalize(text)).get(tactic, 0) >= 0.5


@pytest.mark.parametrize(
    "text",
    [
        "what time is practice",
        "lol same",
        "i'm so tired",
        "see you at dinner mum",
        "did you do the homework",
        "gg wp",
        "the bus is late",
    ],
)
def test_ordinary_messages_show_nothing(text: str) -> None:
    assert rule_scores(normalize(text)) == {}


def test_a_picture_of_a_thing_is_a_weak_request() -> None:
    assert rule_scores(normalize("send me the photos from the trip")).get(T.IMAGE_REQUEST, 0) < 0.5
    assert rule_scores(normalize("send me a pic of you")).get(T.IMAGE_REQUEST, 0) >= 0.8


def test_sibling_blackmail_is_a_demand_but_no_exposure_threat() -> None:
    found = rule_scores(normalize("pay me $10 or i'll tell mum"))
    assert T.PAYMENT_DEMAND in found
    assert T.THREAT not in found


def test_family_address() -> None:
    assert addresses_family(normalize("thanks mum"))
    assert addresses_family(normalize("hi sweetheart, it's grandma"))
    assert not addresses_family(normalize("my mum is home"))


@pytest.mark.parametrize(
    ("text", "answering", "age"),
    [
        ("i'm 14", False, 14),
        ("im fifteen lol", False, 15),
        ("13 u?", True, 13),
        ("13 u?", False, None),
        ("i'm 15 minutes away", False, None),
        ("f16", False, 16),
        ("im in 8th grade", False, 13),
        ("16 too", False, 16),
        ("i'm 24", False, 24),
        ("i have 3 cats", False, None),
        ("year 8 is so boring", False, 12),
        ("im in year 10", False, 14),
        ("i'm in 7th grade", False, 12),
        ("im a 6th grader", False, 11),
        ("13 y tu?", True, 13),
        ("14 e vc?", True, 14),
        ("tengo 13 años", False, 13),
        ("ya cumplo 12 el lunes", False, 12),
        ("voy en 2do de secundaria", False, 13),
        ("estoy en sexto de primaria", False, 11),
        ("tenho 12 anos", False, 12),
        ("to no 8 ano", False, 13),
        ("estou no 7º ano", False, 12),
        ("tengo 20 pesos", False, None),
        ("tenho 3 dias", False, None),
    ],
)
def test_stated_age(text: str, answering: bool, age: int | None) -> None:
    assert stated_age(normalize(text), answering_age_question=answering) == age


@pytest.mark.parametrize(
    ("text", "child"),
    [
        ("my mum says i have to go to bed", True),
        ("cant, homework", True),
        ("mi mamá no me deja salir", True),
        ("tengo que hacer la tarea", True),
        ("minha mãe não deixa", True),
        ("to na escola ainda", True),
        ("my mum is a nurse", False),
        ("meeting ran late at work", False),
        ("mi jefe me dijo que no", False),
        ("vou trabalhar amanha", False),
    ],
)
def test_minor_cues(text: str, child: bool) -> None:
    assert minor_cue(normalize(text)) is child
