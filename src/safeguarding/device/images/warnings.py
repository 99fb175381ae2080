"""What the child sees when an image is held back: the words and the choices as data
(device/safety.py), for the app to render in its own style and language. They say plainly
what happened, that it is not their fault, that they do not have to look or send, and where
to get help.
"""

from __future__ import annotations

from enum import StrEnum

from safeguarding.device.safety import (
    UK_HELP,
    Choice,
    ChoiceId,
    HelpRoute,
    SafetyWarning,
)

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


def warning_for(
    direction: Direction, *, allow_override: bool, help_routes: tuple[HelpRoute, ...]
) -> SafetyWarning:
    if direction is Direction.INCOMING:
        choices = [
            Choice(ChoiceId.DONT_VIEW, "Don't view"),
            Choice(ChoiceId.VIEW_ANYWAY, "View image"),
            Choice(ChoiceId.BLOCK_SENDER, "Block this person"),
            Choice(ChoiceId.REPORT, "Report"),
            Choice(ChoiceId.GET_HELP, "Get help"),
        ]
        warning = (
            "incoming_nudity",
            "This image may show nudity",
            (
                "We've blurred it. You don't have to look at it.",
                "If someone sends you nudes or asks you for them, it's not your fault. You can "
                "block them, report them, and talk to someone you trust.",
            ),
        )
    else:
        choices = [
            Choice(ChoiceId.DONT_SEND, "Don't send"),
            Choice(ChoiceId.SEND_ANYWAY, "Send anyway"),
            Choice(ChoiceId.GET_HELP, "Get help"),
        ]
        warning = (
            "outgoing_nudity",
            "This image may show nudity",
            (
                "Once you send it, you can't control who sees it: it can be saved, shared or "
                "used to pressure you.",
                "If someone is asking or pressuring you to send it, it's not your fault, and "
                "you can get help.",
            ),
        )
    if not allow_override:
        choices = [c for c in choices if c.id not in (ChoiceId.VIEW_ANYWAY, ChoiceId.SEND_ANYWAY)]
    return SafetyWarning(*warning, tuple(choices), help_routes)
