"""What the child is shown, as data: the choices (with stable ids to translate by), the help
routes and the warning itself, shared by ImageGuard and ConversationGuard. The app renders
them in its own style and language.

The wording follows what children's charities ask for: say plainly what is happening, that
it is not the child's fault, that they can block, report and get help, and where.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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


@dataclass(frozen=True)
class SafetyWarning:
    id: str
    title: str
    paragraphs: tuple[str, ...]
    #: in the order to show them; the first is the safe default
    choices: tuple[Choice, ...]
    help: tuple[HelpRoute, ...]


#: the UK's routes; an app passes its own region's to the guards
UK_HELP = (
    HelpRoute(
        "childline",
        "Childline",
        "Free, private help for anyone under 19, any time.",
        "https://www.childline.org.uk",
        "0800 1111",
    ),
    HelpRoute(
        "report_remove",
        "Report Remove",
        "Under 18 and a nude image of you is online? Childline and the IWF can get it taken down.",
        "https://www.childline.org.uk/remove",
    ),
    HelpRoute(
        "take_it_down",
        "Take It Down",
        "NCMEC's service to remove nude images of you taken when you were under 18.",
        "https://takeitdown.ncmec.org",
    ),
)
