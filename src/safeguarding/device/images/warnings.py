"""What the child sees when an image is held back: the words and the choices as data, for
the app to render in its own style and language (each has a stable id to translate by).

The wording follows what children's charities ask for: say plainly what happened, that it
is not their fault, that they do not have to look or send, and where to get help.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Direction(StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


class ChoiceId(StrEnum):
    DONT_VIEW = "dont_view"
    VIEW_ANYWAY = "view_anyway"
    BLOCK_SENDER = "block_sender"
    REPORT = "report"
    DONT_SEND = "dont_send"
    SEND_ANYWAY = "send_anyway"
    GET_HELP = "get_help"


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


@dataclass(frozen=True)
class SafetyWarning:
    id: str
    title: str
    paragraphs: tuple[str, ...]
    #: in the order to show them; the first is the safe default
    choices: tuple[Choice, ...]
    help: tuple[HelpRoute, ...]


#: the UK's routes; an app passes its own region's to `ImageGuard`
UK_HELP = (
    HelpRoute("childline", "Childline", "Free, private help for anyone under 19, any time.",
              "https://www.childline.org.uk", "0800 1111"),
    HelpRoute("report_remove", "Report Remove",
              "Under 18 and a nude image of you is online? Childline and the IWF can get it "
              "taken down.", "https://www.childline.org.uk/remove"),
    HelpRoute("take_it_down", "Take It Down",
              "NCMEC's service to remove nude images of you taken when you were under 18.",
              "https://takeitdown.ncmec.org"),
)


def warning_for(direction: Direction, *, allow_override: bool,
                help_routes: tuple[HelpRoute, ...]) -> SafetyWarning:
    if direction is Direction.INCOMING:
        choices = [Choice(ChoiceId.DONT_VIEW, "Don't view"),
                   Choice(ChoiceId.VIEW_ANYWAY, "View image"),
                   Choice(ChoiceId.BLOCK_SENDER, "Block this person"),
                   Choice(ChoiceId.REPORT, "Report"),
                   Choice(ChoiceId.GET_HELP, "Get help")]
        warning = ("incoming_nudity", "This image may show nudity", (
            "We've blurred it. You don't have to look at it.",
            "If someone sends you nudes or asks you for them, it's not your fault. You can "
            "block them, report them, and talk to someone you trust.",
        ))
    else:
        choices = [Choice(ChoiceId.DONT_SEND, "Don't send"),
                   Choice(ChoiceId.SEND_ANYWAY, "Send anyway"),
                   Choice(ChoiceId.GET_HELP, "Get help")]
        warning = ("outgoing_nudity", "This image may show nudity", (
            "Once you send it, you can't control who sees it: it can be saved, shared or "
            "used to pressure you.",
            "If someone is asking or pressuring you to send it, it's not your fault, and "
            "you can get help.",
        ))
    if not allow_override:
        choices = [c for c in choices
                   if c.id not in (ChoiceId.VIEW_ANYWAY, ChoiceId.SEND_ANYWAY)]
    return SafetyWarning(*warning, tuple(choices), help_routes)
