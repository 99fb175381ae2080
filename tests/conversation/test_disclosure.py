"""Disclosures: someone telling of a threat they received, in English, Spanish and Portuguese,
and the ordinary reported speech, plans and joking threats that look like them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safeguarding.conversation.disclosure import is_disclosure
from safeguarding.conversation.normalize import normalize
from safeguarding.conversation.rules import rule_scores
from safeguarding.conversation.tactics import Tactic as T

# 316 lines by a native-speaker helper who saw neither the detector nor any conversation
# source (its brief is beside it). The patterns were written against them, so this is a
# regression check of their reach, not a measure of it.
PHRASES = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "disclosures-es-pt.jsonl")
    .read_text(encoding="utf-8")
    .splitlines()
]


def test_reported_threat_is_a_disclosure_not_a_threat() -> None:
    assert is_disclosure(normalize("he said he'd send my pics to everyone unless i pay"))
    assert is_disclosure(normalize("someone is blackmailing me"))
    assert not is_disclosure(normalize("i'll send your pics to everyone unless you pay"))
    assert T.THREAT not in rule_scores(normalize("he said he'd send my pics to my mum"))


@pytest.mark.parametrize(
    "text",
    [
        "he keeps saying everyone will see them",
        "this guy keeps asking me for pics",
        "this account says i have to pay 200 or they post my photos",
        "she threatened me",
        "some guy is threatening to leak my video",
    ],
)
def test_someone_elses_threat_told_is_a_disclosure(text: str) -> None:
    assert is_disclosure(normalize(text))


@pytest.mark.parametrize(
    "text",
    [
        # Reported speech with no leverage or demand in it is ordinary: a disclosure nudges
        # the chat, and these read on about one in five English benign chats.
        "she said yes but write it on the rota sheet",
        "your gran wants the phone, she says i'm on it too much",
        "thank you so much, they said it was helpful",
        "he said all homework was done",
        "he asked me to help with homework",
        "she said she'd call me later",
    ],
)
def test_ordinary_reported_speech_is_no_disclosure(text: str) -> None:
    assert not is_disclosure(normalize(text))


@pytest.mark.parametrize(
    "text",
    [
        "un tío me dice q si no le pago va a subir mis fotos",
        "me están chantajeando con un vídeo mío",
        "se filtraron mis fotos y ya las tiene medio colegio",
        "me pidió 30 lucas o manda todo a mis viejos",
        "ele disse que vai postar minhas fotos se eu não pagar",
        "tô sendo chantageada e n sei oq fazer",
        "estão a chantagear-me com umas fotos",
        "pediu 500 no pix pra não vazar minhas fotos",
    ],
)
def test_spanish_and_portuguese_disclosures(text: str) -> None:
    assert is_disclosure(normalize(text))


@pytest.mark.parametrize(
    "text",
    [
        # The writer's own pictures, sent or offered by the writer: a groomer's reciprocity.
        "yo te he pasado mis fotos",
        "te mando mis fotos si me mandas las tuyas",
        "subí mis fotos del viaje",
        # A joke between siblings, and a parent's rule.
        "mi hermano dice que va a enseñar el vídeo de cuando me caí a todos jajaja",
        "minha mãe disse q se eu não voltar até as 10 não saio no fds",
        "ele falou q se eu nao mandar hoje ele desiste",
        "o vendedor falou q se eu pagar no pix tem desconto",
    ],
)
def test_spanish_and_portuguese_look_alikes_are_no_disclosure(text: str) -> None:
    assert not is_disclosure(normalize(text))


@pytest.mark.parametrize("lang", ["es", "pt"])
def test_the_helpers_phrases(lang: str) -> None:
    rows = [r for r in PHRASES if r["lang"] == lang]
    told = [r["text"] for r in rows if r["disclosure"]]
    ordinary = [r["text"] for r in rows if not r["disclosure"]]
    assert len(told) >= 70 and len(ordinary) >= 70
    # Every ordinary line stays ordinary; a few disclosures that name neither the pictures
    # nor the terms ("me va a arruinar la vida con las fotos") are left to the scores.
    assert [t for t in ordinary if is_disclosure(normalize(t))] == []
    read = sum(is_disclosure(normalize(t)) for t in told)
    assert read / len(told) >= 0.95, read


def test_a_laugh_guards_only_the_spanish_and_portuguese_patterns() -> None:
    # Spanish and Portuguese friends joke in these words; the English patterns are narrower.
    assert is_disclosure(normalize("lol someone is blackmailing me"))
    assert not is_disclosure(normalize("me estan chantajeando jajaja"))
    assert is_disclosure(normalize("me estan chantajeando"))


# 352 lines by a second helper, written after the patterns and never used to change them.
HELD_OUT = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "disclosures-es-pt-heldout.jsonl")
    .read_text(encoding="utf-8")
    .splitlines()
]


def test_a_threateners_own_words_are_never_a_disclosure() -> None:
    # A disclosure's sextortion tactics are stripped: reading a threat as one would hide it.
    threats = [r["text"] for r in HELD_OUT if r["kind"] == "threat"]
    assert len(threats) == 90
    assert [t for t in threats if is_disclosure(normalize(t))] == []


@pytest.mark.parametrize(("lang", "least"), [("es", 37), ("pt", 41)])
def test_the_held_out_phrases_reach(lang: str, least: int) -> None:
    """Measured when the set was written: 37 of 65 Spanish and 41 of 66 Portuguese told
    threats read (the rest left to the scores), 1 of 131 ordinary lines read as one ("a loja
    disse q se eu nao pagar o boleto ate amanha cancelam o pedido")."""
    rows = [r for r in HELD_OUT if r["lang"] == lang]
    told = [r["text"] for r in rows if r["kind"] == "told"]
    ordinary = [r["text"] for r in rows if r["kind"] == "ordinary"]
    assert sum(is_disclosure(normalize(t)) for t in told) >= least
    assert sum(is_disclosure(normalize(t)) for t in ordinary) <= 1
