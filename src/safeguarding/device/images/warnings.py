"""What the child sees when an image is held back: the words and the choices as data
(device/safety.py; the words in the locale's language, device/wording.py), for the app to
render in its own style. They say plainly what happened, that it is not their fault, that
they do not have to look or send, and where to get help.
"""

from __future__ import annotations

from enum import StrEnum

from safeguarding.device.safety import (
    UK_HELP,
    Choice,
    ChoiceId,
    HelpRoute,
    SafetyWarning,
    choices,
)
from safeguarding.device.wording import text

__all__ = [
    "UK_HELP",
    "Choice",
    "ChoiceId",
    "Direction",
    "HelpRoute",
    "SafetyWarning",
    "warning_for",
]


class Direction(StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


_CHOICES = {
    "incoming": (
        ChoiceId.DONT_VIEW,
        ChoiceId.VIEW_ANYWAY,
        ChoiceId.BLOCK_SENDER,
        ChoiceId.REPORT,
        ChoiceId.GET_HELP,
    ),
    "outgoing": (ChoiceId.DONT_SEND, ChoiceId.SEND_ANYWAY, ChoiceId.GET_HELP),
}
_PARAGRAPHS = {
    "incoming": ("blurred", "not_your_fault"),
    "outgoing": ("control", "not_your_fault"),
}


def warning_for(
    direction: Direction,
    *,
    allow_override: bool,
    help_routes: tuple[HelpRoute, ...],
    language: str = "en",
) -> SafetyWarning:
    way = Direction(direction).value
    ids = [
        c
        for c in _CHOICES[way]
        if allow_override or c not in (ChoiceId.VIEW_ANYWAY, ChoiceId.SEND_ANYWAY)
    ]
    return SafetyWarning(
        f"{way}_nudity",
        text(language, f"{way}.title"),
        tuple(text(language, f"{way}.{p}") for p in _PARAGRAPHS[way]),
        choices(ids, language),
        help_routes,
    )
