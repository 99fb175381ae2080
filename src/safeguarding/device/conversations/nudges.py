"""The words a child sees when a conversation looks like grooming or sextortion: what is
happening, in plain words from the signs seen; that it is not their fault; what they can do
(block, report, get help). Data, like ImageGuard's warnings: the words come from the
language's texts (device/wording.py), the choices carry stable ids.

Compliments and friendliness are never named as signs: they are what every friendly chat
has, and naming them would teach a child that kindness is suspect.
"""

from __future__ import annotations

from safeguarding.device.safety import ChoiceId, HelpRoute, SafetyWarning, choices
from safeguarding.device.wording import joined, text

#: the tactics named to the child, in the order they are listed (each has a `sign.` text)
TACTICS = (
    "age_probe",
    "personal_info",
    "risk_check",
    "secrecy",
    "isolation",
    "gifts",
    "platform_switch",
    "desensitisation",
    "pressure",
    "image_request",
    "meeting_request",
    "threat",
    "payment_demand",
)
#: how each is described to the child in English (the other languages: `text`)
SIGNS = {tactic: text("en", f"sign.{tactic}") for tactic in TACTICS}
#: signs that make a nudge again, even when the tier does not rise
REQUESTS = frozenset({"image_request", "meeting_request", "threat", "payment_demand"})
_CHOICES = (ChoiceId.BLOCK_SENDER, ChoiceId.REPORT, ChoiceId.GET_HELP, ChoiceId.NOT_NOW)


def described(signs: tuple[str, ...], language: str = "en") -> str:
    """ "They have been asking or talking about how old you are, to keep your chats secret
    and for pictures of you." ("" when none is named)."""
    words = [text(language, f"sign.{s}") for s in TACTICS if s in signs]
    return text(language, "signs.sentence", listed=joined(language, words)) if words else ""


def _sentences(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def grooming_warning(
    signs: tuple[str, ...],
    *,
    urgent: bool,
    help_routes: tuple[HelpRoute, ...],
    language: str = "en",
) -> SafetyWarning:
    def t(key: str) -> str:
        return text(language, f"grooming.{key}")

    return SafetyWarning(
        "conversation_grooming",
        t("title"),
        (
            _sentences(t("intro"), described(signs, language), t("urgent") if urgent else ""),
            t("not_your_fault"),
            t("what_to_do"),
        ),
        choices(_CHOICES, language),
        help_routes,
    )


def sextortion_warning(
    signs: tuple[str, ...], *, help_routes: tuple[HelpRoute, ...], language: str = "en"
) -> SafetyWarning:
    def t(key: str) -> str:
        return text(language, f"sextortion.{key}")

    return SafetyWarning(
        "conversation_sextortion",
        t("title"),
        (
            _sentences(t("intro"), described(signs, language), t("crime")),
            t("not_your_fault"),
            t("help"),
        ),
        choices(_CHOICES, language),
        help_routes,
    )
