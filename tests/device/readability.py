"""Readability formulas, one per language, to check that what a child is shown is plain
enough for a 10-year-old. Each is the formula its language's readers use:

- English: Flesch-Kincaid grade level, 0.39 (words/sentences) + 11.8 (syllables/words)
  - 15.59 (a US school grade; grade 5 is ages 10-11).
- Spanish: Szigriszt-Pazos perspicuity, 206.835 - 62.3 (syllables/words) -
  (words/sentences), read on the INFLESZ scale (Barrio-Cantalejo et al., 2008): 65-80
  "bastante fácil", what primary-school readers manage; 80 and over "muy fácil".
- Portuguese: Flesch reading ease as adapted to Brazilian Portuguese by Martins et al.
  (1996), 248.835 - 1.015 (words/sentences) - 84.6 (syllables/words): 75-100 "muito
  fácil", texts for the first four years of school (ages 6-10); 50-75 "fácil", years 5-8.

Syllables are counted by rule (vowel groups; in Spanish and Portuguese two strong vowels,
or an accented i or u, split a group, and a Portuguese nasal diphthong is one), which is
what such checks do: an estimate, checked by hand on the words of these texts.
`python -m tests.device.readability` prints each warning's figure.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?;:]+(?:\s|$)")
_STRONG = set("aeoáéóíúàâêôãõ")
_VOWELS_ROMANCE = _STRONG | set("iuü")


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def sentences(text: str) -> int:
    """Full stops, question and exclamation marks, and (as the formulas' authors count a
    clause that stands alone) colons and semicolons."""
    return max(1, len(_SENTENCE_END.findall(text.strip() + " ")))


def syllables_en(word: str) -> int:
    w = word.lower().split("'")[0]  # "don't": one syllable, "you've": one
    groups = re.findall(r"[aeiouy]+", w)
    count = len(groups)
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1  # a silent final e
    return max(1, count)


#: Portuguese nasal diphthongs: one syllable ("não", "mãe", "põe")
_NASAL = re.compile("ão|ãe|õe|ãi")


def syllables_romance(word: str) -> int:
    count = 0
    word = _NASAL.sub("ã", word.lower())
    for group in re.findall(f"[{''.join(sorted(_VOWELS_ROMANCE))}]+", word):
        strong = sum(1 for c in group if c in _STRONG)
        count += max(1, strong)
    return max(1, count)


def figures(text: str, language: str) -> tuple[int, int, int]:
    """(sentences, words, syllables)."""
    found = words(text)
    count = syllables_en if language == "en" else syllables_romance
    return sentences(text), len(found), sum(count(w) for w in found)


def score(text: str, language: str) -> float:
    """The language's formula: a grade for English (lower is easier), an ease score for
    Spanish and Portuguese (higher is easier)."""
    s, w, syl = figures(text, language)
    if language == "en":
        return 0.39 * w / s + 11.8 * syl / w - 15.59
    if language == "es":
        return 206.835 - 62.3 * syl / w - w / s
    if language == "pt":
        return 248.835 - 1.015 * w / s - 84.6 * syl / w
    raise ValueError(language)


def main() -> None:
    from tests.device.test_wording import PLAIN, warnings_in

    for language in ("en", "es", "pt"):
        for name, paragraphs in warnings_in(language).items():
            text = " ".join(paragraphs)
            s, w, syl = figures(text, language)
            figure = score(text, language)
            verdict = "ok" if PLAIN[language](figure) else "TOO HARD"
            counts = f"{s} sentences, {w} words, {syl} syllables"
            print(f"{language} {name:<10} {figure:6.1f}  {counts}  {verdict}")


if __name__ == "__main__":
    main()
