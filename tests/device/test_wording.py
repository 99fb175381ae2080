"""The child's words in every language, the help routes per country, and how plain the
words are: every text exists in English, Spanish and Portuguese with the same blanks, every
country has a route of each kind a child needs, described in every language, and the
guards speak the locale they are given."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest

from safeguarding.device import (
    ConversationGuard,
    Direction,
    ImageGuard,
    MarkerDetector,
    marker_image,
)
from safeguarding.device.conversations.nudges import (
    SIGNS,
    TACTICS,
    grooming_warning,
    sextortion_warning,
)
from safeguarding.device.images.warnings import warning_for
from safeguarding.device.safety import UK_HELP, ChoiceId, help_routes
from safeguarding.device.wording import LANGUAGES, parse_locale, routes_data, text, texts
from safeguarding.errors import InvalidInputError
from tests.device.readability import score

_BLANK = re.compile(r"\{(\w+)\}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_exists_in_every_language_with_the_same_blanks(language: str) -> None:
    english, other = texts("en"), texts(language)
    assert set(other) == set(english)
    for key, words in other.items():
        assert words.strip(), f"{language} {key} is empty"
        assert _BLANK.findall(words) == _BLANK.findall(english[key]), (language, key)
    # every choice, every sign the engine names, has its words
    assert {f"choice.{c.value}" for c in ChoiceId} <= set(other)
    assert {f"sign.{t}" for t in TACTICS} <= set(other)


def test_no_help_route_is_missing() -> None:
    data = routes_data()
    routes, countries = data["routes"], data["countries"]
    for country, ids in countries.items():
        assert all(r in routes for r in ids), country
        kinds = {routes[r]["kind"] for r in ids}
        assert set(data["required_kinds"]) <= kinds, f"{country} lacks {data['required_kinds']}"
    assert {r for ids in countries.values() for r in ids} == set(routes)  # none unused
    for route_id, route in routes.items():
        assert set(route["description"]) == set(LANGUAGES), route_id
        assert all(route["description"].values()) and route["url"].startswith("https://")
    for language in LANGUAGES:
        assert data["default_country"][language] in countries
        for country in countries:
            made = help_routes(f"{language}-{country}")
            assert [r.id for r in made] == countries[country]
            assert [r.description for r in made] == [
                routes[r]["description"][language] for r in countries[country]
            ]


def test_the_uk_routes_are_the_english_default() -> None:
    assert help_routes() == UK_HELP == help_routes("en-GB")
    assert [r.id for r in UK_HELP] == ["childline", "report_remove", "take_it_down"]
    assert help_routes("pt")[0].id == "safernet" and help_routes("es")[0].id == "anar"


@pytest.mark.parametrize("locale", ["fr", "", "xx-GB"])
def test_a_language_without_texts_is_refused(locale: str) -> None:
    with pytest.raises(InvalidInputError, match="locale"):
        parse_locale(locale)
    with pytest.raises(InvalidInputError):
        ImageGuard(MarkerDetector(), locale=locale)


def test_a_country_without_routes_is_refused_naming_those_there_are() -> None:
    with pytest.raises(InvalidInputError, match="BR"):
        help_routes("pt-AO")


def test_the_guards_speak_the_locale() -> None:
    picture = io.BytesIO()
    marker_image().save(picture, "PNG")
    check = ImageGuard(MarkerDetector(), locale="es-ES").check(
        picture.getvalue(), Direction.INCOMING
    )
    assert check.warning is not None
    assert check.warning.title == text("es", "incoming.title")
    assert check.warning.choices[0].label == text("es", "choice.dont_view")
    assert check.warning.help == help_routes("es-ES")
    guard = ConversationGuard("bob", age=13, model="none", locale="pt-BR")
    nudges = [
        guard.observe("c1", "x", line)
        for line in (
            "how old are you?",
            "are your parents home?",
            "don't tell anyone we talk, it's our secret",
            "send me a pic of you, just for me",
        )
    ]
    nudge = next(n for n in nudges if n is not None)
    assert nudge.warning.title == text("pt", "grooming.title")
    assert text("pt", "sign.age_probe") in nudge.warning.paragraphs[0]
    assert nudge.warning.help == help_routes("pt-BR")
    assert nudge.warning.choices[0].label == text("pt", "choice.block_sender")


def warnings_in(language: str) -> dict[str, tuple[str, ...]]:
    routes = help_routes(language)
    return {
        "grooming": grooming_warning(
            ("age_probe", "secrecy", "image_request"),
            urgent=True,
            help_routes=routes,
            language=language,
        ).paragraphs,
        "sextortion": sextortion_warning(
            ("threat", "payment_demand"), help_routes=routes, language=language
        ).paragraphs,
        "incoming": warning_for(
            Direction.INCOMING, allow_override=True, help_routes=routes, language=language
        ).paragraphs,
        "outgoing": warning_for(
            Direction.OUTGOING, allow_override=True, help_routes=routes, language=language
        ).paragraphs,
    }


#: plain enough for a 10-year-old, in each language's own formula (tests/device/readability.py):
#: English at most a fifth-grade level (US grade 5: ages 10-11); Spanish "muy fácil" on the
#: INFLESZ scale; Portuguese "muito fácil" (75+: the first four school years, to age 10)
PLAIN: dict[str, Any] = {
    "en": lambda s: s < 6.0,
    "es": lambda s: s >= 80,
    "pt": lambda s: s >= 75,
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_warning_is_plain_enough_for_a_ten_year_old(language: str) -> None:
    for name, paragraphs in warnings_in(language).items():
        figure = score(" ".join(paragraphs), language)
        assert PLAIN[language](figure), f"{language} {name}: {figure:.1f}"


def test_the_english_signs_stay_exported() -> None:
    assert SIGNS["age_probe"] == "how old you are" and set(SIGNS) == set(TACTICS)
