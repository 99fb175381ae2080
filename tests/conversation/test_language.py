"""The running language vote (language.py): which thresholds a conversation is judged by."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from safeguarding.conversation.analyzer import ConversationAnalyzer
from safeguarding.conversation.labelled import read_labelled
from safeguarding.conversation.language import MIN_VOTES, Language, add, decide, votes
from safeguarding.conversation.normalize import normalize
from tests.conversation.conftest import chat, streamed

SOURCES = Path(__file__).parents[2] / "data" / "conversations" / "sources"


def _language(*texts: str) -> Language | None:
    counts: dict[str, int] = {}
    for text in texts:
        add(counts, normalize(text))
    return decide(counts)


def test_each_language_is_told_from_a_few_chat_messages() -> None:
    assert _language("hey what are you doing tonight", "idk just homework") is Language.ENGLISH
    assert _language("oye que haces hoy", "nada, estoy en casa jaja") is Language.SPANISH
    assert _language("vc ta em casa?", "to sim, e vc? kkkk") is Language.PORTUGUESE
    # accents as typed or not: the text is normalised first
    assert _language("¿Tú también estás aburrida?", "sí, muy aburrida") is Language.SPANISH
    assert _language("Não sei, você vai hoje?", "também não") is Language.PORTUGUESE


def test_words_common_to_two_languages_vote_for_neither() -> None:
    assert votes("que no como a de para") == {}
    assert votes("ok lol 😂 👍") == {}


def test_it_waits_for_enough_words_and_a_clear_lead() -> None:
    assert decide({}) is None
    assert decide({"es": MIN_VOTES - 1}) is None
    assert decide({"es": MIN_VOTES}) is Language.SPANISH
    # code-switching: a lead, but not a clear one
    assert decide({"en": 5, "es": 4}) is None
    assert decide({"en": 9, "es": 4}) is Language.ENGLISH


def test_the_labelled_sources_are_in_the_language_their_names_say() -> None:
    """Each chat's vote over all its messages, on one source per language (the training's
    sources are named by language): none wrong, nearly all decided."""
    for name, expected in (
        ("en-ordinary", Language.ENGLISH),
        ("es-latam", Language.SPANISH),
        ("pt-br", Language.PORTUGUESE),
        ("pt-pt-2", Language.PORTUGUESE),
    ):
        found = Counter(
            _language(*(m.text for m in item.conversation.messages))
            for item in read_labelled(SOURCES / f"{name}.jsonl")
        )
        assert set(found) <= {expected, None}, (name, found)
        assert found[expected] >= 0.97 * sum(found.values()), (name, found)


def test_the_state_keeps_the_counts_through_json(lexical: ConversationAnalyzer) -> None:
    messages = chat("a: hola, que tal estas?", "b: bien, y tu? que haces hoy", "a: nada jaja")
    _, state = streamed(lexical, "c1", messages)
    assert decide(state.languages) is Language.SPANISH
    assert set(state.languages) <= {"es", "en", "pt"}
