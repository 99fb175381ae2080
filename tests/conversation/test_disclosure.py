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
        # The writer's own pictures, sent, offered or posted by the writer (a groomer's
        # reciprocity), or asked for back; the verb is the writer's or the listener's.
        "yo te he pasado mis fotos",
        "te mando mis fotos si me mandas las tuyas",
        "subí mis fotos a insta",
        "compartilhei minhas fotos no insta",
        "mándame mis fotos porfa",
        # The pictures doing something, not done with.
        "mis fotos tienen muchos likes",
        "meu vídeo tem 100 views",
        "el año pasado mis fotos ganaron el concurso",
        # Rules, plans and shops: the terms are not the writer paying or sending.
        "minha mãe disse q se eu não voltar até as 10 não saio no fds",
        "mi mamá dice que si no paso la materia no salgo",
        "ele falou q se eu nao mandar hoje ele desiste",
        "o vendedor falou q se eu pagar no pix tem desconto",
    ],
)
def test_spanish_and_portuguese_look_alikes_are_no_disclosure(text: str) -> None:
    assert not is_disclosure(normalize(text))


@pytest.mark.parametrize(
    "text",
    [
        "se vc nao pagar vou vazar tudo pra todo mundo",
        "manda o pix senão vou espalhar tudo pra todo mundo",
        "paga ou vou divulgar tudo pra geral",
        "si no me pagas voy a difundir todo a todo el mundo",
        "voy a filtrar todo en todos lados",
        "voy a compartir todo en todos los grupos",
        "te amenazo con publicar tus fotos si no pagas",
        "si no me mandas más le paso tus fotos a tu mamá",
    ],
)
def test_a_threateners_words_are_no_disclosure(text: str) -> None:
    # A disclosure's sextortion tactics are stripped (detector.signals): reading the threat
    # itself as one would hide it. These spread "todo" to everyone, the shape of a
    # disclosure's "manda todo a mis viejos", but in the threatener's first person.
    assert not is_disclosure(normalize(text))


@pytest.mark.parametrize(
    "text",
    [
        "me están chantajeando con mis fotos, te paso las capturas",
        "me están chantajeando con mis fotos, voy a denunciar",
        "ele disse que vai postar minhas fotos se eu não pagar, vou contar pra minha mãe",
    ],
)
def test_asking_for_help_keeps_the_disclosure(text: str) -> None:
    # The writer's own doing cancels only what is about the pictures ("te he pasado mis
    # fotos") or spreading them ("vou mostrar tudo"); passing on the evidence or telling an
    # adult is what a victim should do.
    assert is_disclosure(normalize(text))


@pytest.mark.parametrize("lang", ["es", "pt"])
def test_the_helpers_phrases(lang: str) -> None:
    rows = [r for r in PHRASES if r["lang"] == lang]
    told = [r["text"] for r in rows if r["disclosure"]]
    ordinary = [r["text"] for r in rows if not r["disclosure"]]
    assert len(told) >= 70 and len(ordinary) >= 70
    # Every ordinary line stays ordinary; disclosures whose words the patterns do not read
    # ("me va a arruinar la vida con las fotos": no own pictures with a third person's verb,
    # no terms) are left to the scores. Read: 76 of 81 Spanish, 74 of 77 Portuguese (73 while
    # "hoje" read as a laugh, until session 38).
    assert [t for t in ordinary if is_disclosure(normalize(t))] == []
    read = sum(is_disclosure(normalize(t)) for t in told)
    assert read / len(told) >= 0.93, read


def test_a_laugh_guards_only_the_spanish_and_portuguese_patterns() -> None:
    # Spanish and Portuguese friends joke in these words; the English patterns are narrower.
    assert is_disclosure(normalize("lol someone is blackmailing me"))
    assert not is_disclosure(normalize("me estan chantajeando jajaja"))
    assert not is_disclosure(normalize("me estan chantajeando jajaj"))
    assert not is_disclosure(normalize("me estan chantajeando jajajs"))
    # A laugh is one syllable repeated: "hoje" (today) and "haja" are words.
    assert is_disclosure(normalize("ele disse que vai postar minhas fotos hoje se eu nao pagar"))
    assert is_disclosure(normalize("haja paciencia, um cara ta me chantageando"))
    assert is_disclosure(normalize("me estan chantajeando"))


# 352 lines by a second helper, written after the patterns and never used to change them (a
# code review changed the patterns once more, with its own examples, at a cost of one Spanish
# told threat here: "alguien te amenaza con subir tus fotos", now read as a threatener's).
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


@pytest.mark.parametrize(("lang", "least", "most"), [("es", 36, 0), ("pt", 41, 1)])
def test_the_held_out_phrases_reach(lang: str, least: int, most: int) -> None:
    """Measured: 36 of 65 Spanish and 41 of 66 Portuguese told threats read (the rest left
    to the scores); of the 65 and 66 ordinary lines, none and one read as a disclosure ("a
    loja disse q se eu nao pagar o boleto ate amanha cancelam o pedido")."""
    rows = [r for r in HELD_OUT if r["lang"] == lang]
    told = [r["text"] for r in rows if r["kind"] == "told"]
    ordinary = [r["text"] for r in rows if r["kind"] == "ordinary"]
    assert sum(is_disclosure(normalize(t)) for t in told) >= least
    assert sum(is_disclosure(normalize(t)) for t in ordinary) <= most


# 1,098 lines by four more native-speaker helpers (session 38), written for threat patterns
# that were not shipped, by writers who saw no project file: offenders' threats, demands and
# leverage, ordinary messages in the same words (jokes, debts, shops, rules, photos), and
# young people telling someone of a threat. None of it was used to write these patterns.
THREAT_SETS = [
    json.loads(line)
    for name in ("threats-es-pt.jsonl", "threats-es-pt-heldout.jsonl")
    for line in (Path(__file__).parent / "data" / name).read_text(encoding="utf-8").splitlines()
]


def test_no_offenders_message_of_the_threat_sets_is_a_disclosure() -> None:
    offender = [r["text"] for r in THREAT_SETS if r["kind"] in ("threat", "demand", "leverage")]
    assert len(offender) == 530
    assert [t for t in offender if is_disclosure(normalize(t))] == []


@pytest.mark.parametrize(("lang", "least"), [("es", 30), ("pt", 24)])
def test_the_threat_sets_told_lines_reach(lang: str, least: int) -> None:
    """Measured: 30 of 42 Spanish and 24 of 45 Portuguese young people's reports read; of
    the 481 ordinary lines one ("a loja disse que se não pagar o boleto até sexta cancela
    o pedido", the shape the held-out set found in session 37)."""
    rows = [r for r in THREAT_SETS if r["lang"] == lang]
    told = [r["text"] for r in rows if r["kind"] == "told"]
    assert sum(is_disclosure(normalize(t)) for t in told) >= least
    ordinary = [
        r["text"] for r in THREAT_SETS if r["kind"] not in ("threat", "demand", "leverage", "told")
    ]
    assert len(ordinary) == 481
    assert sum(is_disclosure(normalize(t)) for t in ordinary) <= 1
