"""Which of the engine's languages a conversation is in, from common words: a running vote
kept in the state as one count per language.

Why it matters: the models' probabilities do not sit alike in every language (ordinary
Spanish and Portuguese chats score lower than English ones with `lexical` 14, Portuguese
ones with `use` 25), so one threshold for all spends the benign budget where scores run
high and leaves the other languages' threats under it (docs/conversation.md, "Session 40"). A
bundle may carry thresholds per language, each chosen at the same budget on that language's
benign chats (risk_model.py); a conversation uses its language's.

Why a vote of function words and not a language-identification library: chat messages are
a few words of slang ("vc ta ai", "q haces", "u up"), where models trained on edited text
guess; only three languages are told apart, and a word that is common in two of them ("que",
"no", "como", "to", "a") counts for neither. It costs a set lookup per word, adds three
integers to the state, and a message of none of these words (emoji, "ok", another
language) counts for nothing, so such a conversation keeps the pooled thresholds.

Text here is normalised (normalize.py): lower case, accents dropped ("não" is "nao")."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum


class Language(StrEnum):
    """The languages the engine has training data in; stored (state JSON, risk model JSON),
    so the values are persistent keys."""

    ENGLISH = "en"
    SPANISH = "es"
    PORTUGUESE = "pt"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Common words of each language as chats write them, after normalisation, none of them a
# common word of the other two.
_WORDS: dict[Language, frozenset[str]] = {
    Language.ENGLISH: _words(
        "the and you your you're youre is are was were my i i'm im i've ive it it's its what "
        "that this these they them we she his her have had does did don't dont "
        "doesn't didn't can can't cant will won't wont would should could just not with of "
        "for in on at be been if but or like get got know think want yeah yes u ur "
        "r how why when where who there their about from all some any one really too "
        "gonna wanna thanks"
    ),
    Language.SPANISH: _words(
        "el los las y un una pero muy tengo tienes tiene estoy eres soy eso "
        "esto hoy ahora mi le les su sus con del al pues bueno hay jaja jajaja "
        "jajajaja tambien bien siempre quiero quieres puedo puedes hacer "
        "haces vamos oye porfa gracias dale donde cuando manana ahorita luego "
        "ella ellos nosotros vos sos tenes usted conmigo"
    ),
    Language.PORTUGUESE: _words(
        "os um uma muito eu tenho tem estou isso esse essa pra vc vcs voce voces nao "
        "ta ne kk kkk kkkk hoje agora sim meu minha seu sua com fazer tambem tbm ele "
        "ela eles foi mais bem entao tudo dele dela da ao quero queria posso pode vou vai "
        "obrigado obrigada valeu beleza ai gente amanha depois ja"
    ),
}


def _single_votes() -> dict[str, Language]:
    """Each word's language, leaving out a word in two lists: it tells nothing between
    them."""
    seen: dict[str, list[Language]] = {}
    for language, words in _WORDS.items():
        for word in words:
            seen.setdefault(word, []).append(language)
    return {word: found[0] for word, found in seen.items() if len(found) == 1}


_VOTES = _single_votes()
_WORD = re.compile(r"[a-z']+")
# A conversation is in a language once that language has this many votes and at least
# LEAD times as many as any other (a code-switching chat stays undecided). Chosen on the
# training sources' messages, where each source's language is known: after one word 0.1%
# of their messages are judged in another language and 1.7% undecided (pooled thresholds);
# after three words 0.03% and 7.1% (docs/conversation.md, "Session 40").
MIN_VOTES = 1
LEAD = 2


def votes(text: str) -> dict[Language, int]:
    """One normalised message's words, counted per language."""
    counts: dict[Language, int] = {}
    for word in _WORD.findall(text):
        language = _VOTES.get(word)
        if language is not None:
            counts[language] = counts.get(language, 0) + 1
    return counts


def add(counts: dict[str, int], text: str) -> None:
    """Adds a message's votes to a conversation's running counts (the state's)."""
    for language, n in votes(text).items():
        counts[language.value] = counts.get(language.value, 0) + n


def decide(counts: Mapping[str, int]) -> Language | None:
    """The conversation's language from its counts, or None while it is not clear."""
    ranked = sorted(((n, k) for k, n in counts.items()), reverse=True)
    if not ranked or ranked[0][0] < MIN_VOTES:
        return None
    second = ranked[1][0] if len(ranked) > 1 else 0
    return Language(ranked[0][1]) if ranked[0][0] >= LEAD * second else None
