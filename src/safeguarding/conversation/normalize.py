"""Text normalisation before any detector looks at a message.

Offenders write around keyword filters: look-alike letters from other scripts, zero-width
characters inside words, leetspeak ("d1sc0rd"), spaced-out words ("s n a p"), numbers in
words ("fourteen"). Each step here undoes one of those; the order matters (NFKC first, so
full-width and mathematical letters become plain ones before the look-alike table)."""

from __future__ import annotations

import re
import unicodedata

# Look-alikes NFKC leaves alone: Cyrillic, Greek and a few IPA letters that render like Latin.
_CONFUSABLES = str.maketrans(
    {
        "а": "a",
        "в": "b",
        "е": "e",
        "ё": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "ѕ": "s",
        "і": "i",
        "ї": "i",
        "ј": "j",
        "ԁ": "d",
        "ԛ": "q",
        "ԝ": "w",
        "ɡ": "g",
        "ո": "n",
        "ս": "u",
        "α": "a",
        "β": "b",
        "γ": "y",
        "ε": "e",
        "η": "n",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "ω": "w",
        "ℓ": "l",
        "ı": "i",
        "ɑ": "a",
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "đ": "d",
        "ł": "l",
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
        "\u201c": '"',
        "\u201d": '"',
    }
)
_LEET = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "@": "a",
        "$": "s",
        "!": "i",
        "|": "l",
        "+": "t",
    }
)
# A word that mixes letters with leet symbols; pure numbers ("15") are left alone.
_LEET_WORD = re.compile(
    r"(?<![\w@$!|+])(?=[\w@$!|+]*[a-z])(?=[\w@$!|+]*[0134579@$!|+])"
    r"[\w@$!|+]{2,}"
)
# Runs of single characters separated by the same kind of gap: "s n a p", "s.n.a.p", "s-n-a-p".
_SPACED = re.compile(r"(?<!\w)(?:[a-z0-9][ .\-_*]{1,3}){2,}[a-z0-9](?!\w)")
_ORDINAL = re.compile(r"\d(?:st|nd|rd|th|o|a|er|ro|do|to|vo|mo|no)")
_REPEATS = re.compile(r"(.)\1{2,}")
_SPACES = re.compile(r"\s+")

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_NUMBER = re.compile(
    r"\b(?:(?P<tens>"
    + "|".join(_TENS)
    + r")(?:[\s-]?(?P<unit>"
    + "|".join(k for k, v in _UNITS.items() if 0 < v < 10)
    + r"))?|(?P<small>"
    + "|".join(sorted(_UNITS, key=len, reverse=True))
    + r"))(?:\s+(?P<mult>hundred|thousand|k))?\b"
)


def normalize(text: str, *, numbers: bool = True) -> str:
    """Lower-case, de-obfuscated text with single spaces. Idempotent. `numbers` turns number
    words into digits, for the rules; the embedding model reads words better."""
    text = unicodedata.normalize("NFKC", text)
    # Zero-width and other invisible format characters (category Cf) split words silently.
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = text.casefold().translate(_CONFUSABLES)
    text = unicodedata.normalize("NFKD", text)
    # Look-alikes again once accents are gone: a Greek letter with a breathing mark ("ἀ")
    # is only a Greek alpha now, and normalising twice must change nothing.
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_CONFUSABLES)
    # Any whitespace is one space before spaced-out words are joined: "s\rn a p" is "snap",
    # and a second pass must find nothing more to do.
    text = _SPACES.sub(" ", text)
    text = _SPACED.sub(lambda m: re.sub(r"[ .\-_*]", "", m.group()), text)
    text = _LEET_WORD.sub(_unleet, text)
    text = _REPEATS.sub(r"\1\1", text)
    if numbers:
        text = _NUMBER.sub(_number_value, text)
    return _SPACES.sub(" ", text).strip()


def _unleet(match: re.Match[str]) -> str:
    word = match.group()
    # Two digits in a row are a number, not leet: "f16" (age/sex), "500k", "24h"; so is an
    # ordinal: "7th", "1st", "5to", "7o" (Spanish and Portuguese "7º" after NFKC).
    if re.search(r"\d\d", word) or _ORDINAL.fullmatch(word):
        return word
    return word.translate(_LEET)


def _number_value(match: re.Match[str]) -> str:
    if match["small"]:
        value = _UNITS[match["small"]]
    else:
        value = _TENS[match["tens"]] + (_UNITS[match["unit"]] if match["unit"] else 0)
    multiplier = {"hundred": 100, "thousand": 1000, "k": 1000}.get(match["mult"] or "", 1)
    return str(value * multiplier)
