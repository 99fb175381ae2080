"""The words a child sees when a conversation looks like grooming or sextortion: what is
happening, in plain words from the signs seen; that it is not their fault; what they can do
(block, report, get help). Data, like ImageGuard's warnings, for the app to render and
translate by the stable ids.

Compliments and friendliness are never named as signs: they are what every friendly chat
has, and naming them would teach a child that kindness is suspect.
"""

from __future__ import annotations

from safeguarding.device.safety import Choice, ChoiceId, HelpRoute, SafetyWarning

#: how each tactic is described to the child, in the order they are listed
SIGNS = {
    "age_probe": "how old you are",
    "personal_info": "where you live or go to school",
    "risk_check": "whether you're alone or your parents are around",
    "secrecy": "to keep your chats secret",
    "isolation": "that nobody else understands you",
    "gifts": "offering you gifts or money",
    "platform_switch": "to move to another app",
    "desensitisation": "saying things like this are normal",
    "pressure": "pressuring you or making you feel guilty",
    "image_request": "for pictures of you",
    "meeting_request": "to meet up",
    "threat": "threatening you",
    "payment_demand": "demanding money or more pictures",
}
#: signs that make a nudge again, even when the tier does not rise
REQUESTS = frozenset({"image_request", "meeting_request", "threat", "payment_demand"})
_CHOICES = (
    Choice(ChoiceId.BLOCK_SENDER, "Block this person"),
    Choice(ChoiceId.REPORT, "Report"),
    Choice(ChoiceId.GET_HELP, "Get help"),
    Choice(ChoiceId.NOT_NOW, "Not now"),
)


def described(signs: tuple[str, ...]) -> str:
    """ "asking how old you are, to keep your chats secret and for pictures of you"."""
    words = [SIGNS[s] for s in SIGNS if s in signs]
    if not words:
        return ""
    listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return f" They have been asking or talking about {listed}."


def grooming_warning(
    signs: tuple[str, ...], *, urgent: bool, help_routes: tuple[HelpRoute, ...]
) -> SafetyWarning:
    first = (
        "This chat looks like the way some adults try to trick young people into "
        "trusting them." + described(signs)
    )
    if urgent:
        first += (
            " Don't meet someone you only know online, or send them pictures, without "
            "an adult you trust knowing."
        )
    return SafetyWarning(
        "conversation_grooming",
        "Be careful in this chat",
        (
            first,
            "You haven't done anything wrong. If they have made you feel special, or you've "
            "already answered or sent something, it's still not your fault.",
            "You don't have to reply. You can block them, report them (you choose which messages "
            "to send; nothing else is shared), and talk to an adult you trust or to one of the "
            "services below.",
        ),
        _CHOICES,
        help_routes,
    )


def sextortion_warning(
    signs: tuple[str, ...], *, help_routes: tuple[HelpRoute, ...]
) -> SafetyWarning:
    return SafetyWarning(
        "conversation_sextortion",
        "You are not in trouble",
        (
            "This person may be trying to blackmail you: threatening to share pictures unless "
            "you pay or send more." + described(signs) + " It is a crime, and it happens to "
            "many young people.",
            "It's not your fault. Don't pay and don't send anything more: it rarely makes them "
            "stop. Stop replying, block them and report them; reporting keeps the messages as "
            "evidence.",
            "Report Remove and Take It Down can help get pictures taken down, and you can talk "
            "to someone now, for free.",
        ),
        _CHOICES,
        help_routes,
    )
