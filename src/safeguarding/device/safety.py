"""What the child is shown, as data: the choices (with stable ids), the help routes and the
warning itself, shared by ImageGuard and ConversationGuard, in the locale's language
(English, Spanish, Portuguese: device/wording.py and its `texts/`). The app renders them in
its own style.

The wording follows what children's charities ask for: say plainly what is happening, that
it is not the child's fault, that they can block, report and get help, and where. Help
routes are data per country (`texts/help_routes.json`); an app may pass its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from safeguarding.device.wording import DEFAULT_LOCALE, parse_locale, routes_data, text
from safeguarding.errors import InvalidInputError


class ChoiceId(StrEnum):
    DONT_VIEW = "dont_view"
    VIEW_ANYWAY = "view_anyway"
    BLOCK_SENDER = "block_sender"
    REPORT = "report"
    DONT_SEND = "dont_send"
    SEND_ANYWAY = "send_anyway"
    GET_HELP = "get_help"
    NOT_NOW = "not_now"


@dataclass(frozen=True)
class Choice:
    id: ChoiceId
    label: str


@dataclass(frozen=True)
class HelpRoute:
    id: str
    name: str
    description: str
    url: str
    phone: str | None = None
    #: "talk" (someone to talk to now), "remove" (a nude image taken down) or "report"
    kind: str = "talk"


@dataclass(frozen=True)
class SafetyWarning:
    id: str
    title: str
    paragraphs: tuple[str, ...]
    #: in the order to show them; the first is the safe default
    choices: tuple[Choice, ...]
    help: tuple[HelpRoute, ...]


def choices(ids: Iterable[ChoiceId], language: str = "en") -> tuple[Choice, ...]:
    return tuple(Choice(i, text(language, f"choice.{i.value}")) for i in ids)


def help_routes(locale: str = DEFAULT_LOCALE) -> tuple[HelpRoute, ...]:
    """The routes of the locale's country (its language's own when it names none: en GB,
    es ES, pt BR), described in its language. InvalidInputError for a country we hold no
    routes for, naming those we do (an app there passes its own)."""
    chosen = parse_locale(locale)
    data = routes_data()
    country = chosen.country or data["default_country"][chosen.language]
    if country not in data["countries"]:
        known = ", ".join(sorted(data["countries"]))
        raise InvalidInputError(
            "locale", f"no help routes for {country} (there are for {known}): pass your own"
        )
    routes = []
    for route_id in data["countries"][country]:
        route = data["routes"][route_id]
        routes.append(
            HelpRoute(
                route_id,
                route["name"],
                route["description"][chosen.language],
                route["url"],
                route["phone"],
                route["kind"],
            )
        )
    return tuple(routes)


#: the UK's routes in English: the default; an app passes its own region's or a locale
UK_HELP = help_routes("en-GB")
