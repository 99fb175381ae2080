"""Which platforms a record's text names, by a keyword set.

The text is read as words: lower-cased, apostrophes dropped ("what's app" is "whats app"),
runs of letters and digits, with a sentence end (. ! ? ; : before a space, or a new line)
kept as a word of its own so that context never reaches across sentences. Working on words,
not substrings, is what keeps "vr" out of "VRN", "kik" out of "kicked", "insta" out of
"instant" and "mega" out of "megabyte".

Speed: a record is tokenised once; each distinct word is classified once per matcher (exact
name, stem, near miss) and remembered, so the work per record is one regular expression and
a dictionary lookup per distinct word. Context rules run only for the few words that have
one. That gives several million records a minute on one core (bench/bench_attribution.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Protocol

from safeguarding.insights.keywordset import NEAR_MISS_MIN_LENGTH, NUMBER, KeywordSet, Term
from safeguarding.insights.spelling import NearMisses

_PATTERN = r"[a-z0-9]+|[.!?;:](?=\s|$)|\n"
_WORDS = re.compile(_PATTERN)
_WORDS_ANY_CASE = re.compile(_PATTERN, re.IGNORECASE)
_APOSTROPHES = ("'", "\u2018", "\u2019", "`")
_BREAKS = frozenset(".!?;:\n")
# Remembered word classifications; forgotten when full, so a file of endless distinct words
# (ids, hashes) cannot grow memory without bound.
_MEMO_LIMIT = 500_000


class Finder(Protocol):
    """What counting and evaluation need of a matcher (benchmarks pass a plain search)."""

    keywords: KeywordSet

    def indices(self, text: str) -> tuple[int, ...]: ...


@dataclass(frozen=True, slots=True)
class _Rule:
    platform: int
    words: tuple[str, ...]  # the first has matched; a last word ending in "*" is a stem
    term: Term | None
    # The rule's other whole words: when the text lacks one, no position needs checking.
    others: frozenset[str] = frozenset()


def _drop_apostrophes(text: str) -> str:
    # str.translate costs more than the whole tokenisation; most texts have no apostrophe.
    for mark in _APOSTROPHES:
        if mark in text:
            text = text.replace(mark, "")
    return text


def words_of(text: str) -> list[str]:
    return _WORDS.findall(_drop_apostrophes(text.lower()))


class Matcher:
    def __init__(self, keywords: KeywordSet) -> None:
        self.keywords = keywords
        self._exact: dict[str, list[_Rule]] = {}
        self._stems: dict[str, list[_Rule]] = {}
        near: dict[str, list[int]] = {}
        self._not_slips: dict[int, frozenset[str]] = {}
        for index, platform in enumerate(keywords.platforms):
            self._not_slips[index] = platform.not_slips
            for words in platform.names:
                self._add(_Rule(index, words, None))
                body = words[0].rstrip("*")
                if platform.near_misses and len(words) == 1 and len(body) >= NEAR_MISS_MIN_LENGTH:
                    near.setdefault(body, []).append(index)
            for term in platform.terms:
                for words in term.spellings:
                    self._add(_Rule(index, words, term))
        self._near = NearMisses(near)
        self._near_platforms = near
        self._stem_lengths = sorted({len(s) for s in self._stems})
        # Words classified so far: those that may name a platform, and those that cannot.
        self._rules: dict[str, tuple[_Rule, ...]] = {}
        self._boring: set[str] = set()
        self._keys: dict[tuple[int, ...], tuple[str, ...]] = {}

    def _add(self, rule: _Rule) -> None:
        rule = replace(rule, others=frozenset(w for w in rule.words[1:] if not w.endswith("*")))
        first = rule.words[0]
        if len(rule.words) == 1 and first.endswith("*"):
            self._stems.setdefault(first[:-1], []).append(rule)
        else:
            self._exact.setdefault(first, []).append(rule)

    def _classify(self, word: str) -> tuple[_Rule, ...]:
        rules = list(self._exact.get(word, ()))
        for length in self._stem_lengths:
            if length > len(word):
                break
            rules += self._stems.get(word[:length], ())
        if not rules and len(word) >= NEAR_MISS_MIN_LENGTH - 1 and not word[0].isdigit():
            for name in self._near.find(word):
                rules += [
                    _Rule(p, (word,), None)
                    for p in self._near_platforms[name]
                    if word not in self._not_slips[p]
                ]
        return tuple(rules)

    def indices(self, text: str) -> tuple[int, ...]:
        """The platforms the text names, as positions in the keyword set, in its order."""
        words = words_of(text)
        # Set difference in C drops the words already known to name nothing: most of them.
        distinct = set(words)
        candidates = distinct - self._boring
        if not candidates:
            return ()
        found: set[int] = set()
        original: list[str] | None = None
        for word in candidates:
            rules = self._rules.get(word)
            if rules is None:
                rules = self._remember(word)
                if not rules:
                    continue
            for rule in rules:
                if rule.platform in found or not rule.others <= distinct:
                    continue
                if rule.term is None and len(rule.words) == 1:
                    found.add(rule.platform)
                    continue
                if original is None and rule.term is not None and rule.term.capitalised:
                    original = _WORDS_ANY_CASE.findall(_drop_apostrophes(text))
                if self._matches_at_any(rule, word, words, original):
                    found.add(rule.platform)
        return tuple(sorted(found))

    def _remember(self, word: str) -> tuple[_Rule, ...]:
        if len(self._boring) + len(self._rules) >= _MEMO_LIMIT:
            self._boring.clear()
            self._rules.clear()
        rules = self._classify(word)
        if rules:
            self._rules[word] = rules
        else:
            self._boring.add(word)
        return rules

    def platforms(self, text: str) -> tuple[str, ...]:
        found = self.indices(text)
        keys = self._keys.get(found)
        if keys is None:
            keys = self._keys[found] = tuple(self.keywords.platforms[i].key for i in found)
        return keys

    def _matches_at_any(
        self, rule: _Rule, word: str, words: list[str], original: list[str] | None
    ) -> bool:
        n = len(rule.words)
        for i, w in enumerate(words):
            if w != word or not _words_match(rule.words, words, i):
                continue
            if rule.term is None or _context_allows(rule.term, words, i, n, original):
                return True
        return False


def _words_match(pattern: tuple[str, ...], words: list[str], i: int) -> bool:
    if i + len(pattern) > len(words):
        return False
    for k in range(1, len(pattern)):
        want, got = pattern[k], words[i + k]
        if not (got.startswith(want[:-1]) if want.endswith("*") else got == want):
            return False
    return True


def _follows(context: frozenset[tuple[str, ...]], words: list[str], i: int) -> bool:
    """Does one of the context's phrases end right before position i?"""
    for phrase in context:
        k = len(phrase)
        if phrase == (NUMBER,):
            if i > 0 and words[i - 1][0].isdigit():
                return True
        elif i >= k and tuple(words[i - k : i]) == phrase:
            return True
    return False


def _precedes(context: frozenset[tuple[str, ...]], words: list[str], j: int) -> bool:
    """Does one of the context's phrases start at position j?"""
    for phrase in context:
        if phrase == (NUMBER,):
            if j < len(words) and words[j][0].isdigit():
                return True
        elif tuple(words[j : j + len(phrase)]) == phrase:
            return True
    return False


def _context_allows(
    term: Term, words: list[str], i: int, n: int, original: list[str] | None
) -> bool:
    """Guards first (a false friend's context rules the word out), then cues."""
    if _follows(term.not_after, words, i) or _precedes(term.not_before, words, i + n):
        return False
    if not term.needs_cue:
        return True
    if _follows(term.after, words, i) or _precedes(term.before, words, i + n):
        return True
    return term.capitalised and _capitalised_mid_sentence(words, i, original)


def _capitalised_mid_sentence(words: list[str], i: int, original: list[str] | None) -> bool:
    """Written "Like This" after the start of a sentence: a name, not an ordinary word. All-caps
    text says nothing either way."""
    if original is None or len(original) != len(words) or i == 0 or words[i - 1] in _BREAKS:
        return False
    token = original[i]
    return len(token) > 1 and token[0].isupper() and token[1:].islower()
