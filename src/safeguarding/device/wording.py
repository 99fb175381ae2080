"""The words a child is shown, per language, and the help routes per country: data, not
code (`texts/`: one JSON file per language with the same keys, and `help_routes.json`),
read once and kept.

A locale is a language ("en", "es", "pt"), optionally with a country ("pt-BR", "es_MX"):
the language picks the words, the country the help routes (by default the language's own
country in `help_routes.json`: en GB, es ES, pt BR). English is the default. The Spanish
says "tú" and the Portuguese is Brazil's ("você"), both understood across their regions.
Every text exists in every language and every country has the routes a child needs (tests
check both, and each warning's readability in its language's formula).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from safeguarding.errors import InvalidInputError

#: the languages every text exists in
LANGUAGES = ("en", "es", "pt")
DEFAULT_LOCALE = "en"


@dataclass(frozen=True)
class Locale:
    language: str
    #: ISO 3166 alpha-2, upper case; None: the language's default country
    country: str | None = None


def parse_locale(locale: str) -> Locale:
    """ "en", "es", "pt", or one with a country ("pt-BR", "es_MX"); InvalidInputError for
    a language we have no words in."""
    language, _, country = str(locale).replace("_", "-").partition("-")
    language = language.lower()
    if language not in LANGUAGES:
        raise InvalidInputError(
            "locale", f"{locale!r}: the texts exist in {', '.join(LANGUAGES)} (e.g. 'pt-BR')"
        )
    return Locale(language, country.upper() or None)


def _read(name: str) -> Any:
    return json.loads(resources.files("safeguarding.device").joinpath("texts", name).read_text())


@cache
def texts(language: str) -> dict[str, str]:
    """Every text of one language, by key."""
    return dict(_read(f"{language}.json"))


@cache
def routes_data() -> dict[str, Any]:
    return dict(_read("help_routes.json"))


def text(language: str, key: str, **fields: str) -> str:
    return texts(language)[key].format(**fields) if fields else texts(language)[key]


def joined(language: str, items: list[str]) -> str:
    """ "a, b and c" in the language's words."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {text(language, 'signs.and')} " + items[-1]
