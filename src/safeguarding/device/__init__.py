"""The device library: what an end-to-end encrypted messenger embeds on the phone (and the
franking pieces its relay and the platform's server use). Shipped inside `safeguarding` and
alone as the `safeguarding-device` distribution, which needs no server package: importing
it loads nothing of SQLAlchemy, FastAPI, pydantic or numba (a test checks).

    franking       verifiable reports of encrypted messages (commit, stamp, open, report,
                   verify)
    images         ImageGuard: on-device nudity warnings with a pluggable detector
    conversations  ConversationGuard: grooming and sextortion nudges from the conversation
                   engine (safeguarding.conversation, numpy; the `conversation` extras)
    safety         the choices and help routes both guards show (words in English,
                   Spanish and Portuguese, routes per country: wording, texts/)
    known          the known-image check on send, for surfaces that are not end-to-end
                   encrypted: MD5 and PDQ on the device, sent as hashes (`known-images`)

Names are loaded on first use, so an app that only franks never loads Pillow or numpy, and
one that only guards images never loads the cryptography packages. docs/device.md is the
reference.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from safeguarding.device.conversations import SIGNS, ConversationGuard, Nudge
    from safeguarding.device.franking import (
        AttachmentRef,
        Failure,
        FrankedMessage,
        Keyring,
        Message,
        ReceivedMessage,
        ReportItem,
        SealedAttachment,
        ServerKey,
        Stamp,
        Stamper,
        VerifiedAttachment,
        VerifiedMessage,
        VerifiedReport,
        build_report,
        frank,
        open_attachment,
        open_franked,
        parse_stamp,
        report_window,
        seal_attachment,
        verify_report,
    )
    from safeguarding.device.images import (
        UK_HELP,
        Choice,
        ChoiceId,
        Direction,
        HelpRoute,
        ImageCheck,
        ImageGuard,
        ImageLimits,
        MarkerDetector,
        NudeNetDetector,
        NudityDetector,
        NudityScore,
        SafetyWarning,
        blur,
        check_detector,
        decode_image,
        marker_image,
    )
    from safeguarding.device.known import (
        ImageHashes,
        KnownImageResult,
        Surface,
        hash_image,
        match_request,
        read_match_response,
    )
    from safeguarding.device.safety import help_routes
    from safeguarding.device.wording import LANGUAGES

__all__ = [
    "LANGUAGES",
    "SIGNS",
    "UK_HELP",
    "AttachmentRef",
    "Choice",
    "ChoiceId",
    "ConversationGuard",
    "Direction",
    "Failure",
    "FrankedMessage",
    "HelpRoute",
    "ImageCheck",
    "ImageGuard",
    "ImageHashes",
    "ImageLimits",
    "Keyring",
    "KnownImageResult",
    "MarkerDetector",
    "Message",
    "NudeNetDetector",
    "Nudge",
    "NudityDetector",
    "NudityScore",
    "ReceivedMessage",
    "ReportItem",
    "SafetyWarning",
    "SealedAttachment",
    "ServerKey",
    "Stamp",
    "Stamper",
    "Surface",
    "VerifiedAttachment",
    "VerifiedMessage",
    "VerifiedReport",
    "blur",
    "build_report",
    "check_detector",
    "decode_image",
    "frank",
    "hash_image",
    "help_routes",
    "marker_image",
    "match_request",
    "open_attachment",
    "open_franked",
    "parse_stamp",
    "read_match_response",
    "report_window",
    "seal_attachment",
    "verify_report",
]

#: where each name lives; the rest are franking's (a test checks every part's names)
_PART = {
    **dict.fromkeys(
        ("UK_HELP", "Choice", "ChoiceId", "HelpRoute", "SafetyWarning", "help_routes"), "safety"
    ),
    "LANGUAGES": "wording",
    **dict.fromkeys(
        (
            "Direction",
            "ImageCheck",
            "ImageGuard",
            "ImageLimits",
            "MarkerDetector",
            "NudeNetDetector",
            "NudityDetector",
            "NudityScore",
            "blur",
            "check_detector",
            "decode_image",
            "marker_image",
        ),
        "images",
    ),
    **dict.fromkeys(("SIGNS", "ConversationGuard", "Nudge"), "conversations"),
    **dict.fromkeys(
        (
            "ImageHashes",
            "KnownImageResult",
            "Surface",
            "hash_image",
            "match_request",
            "read_match_response",
        ),
        "known",
    ),
}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'safeguarding.device' has no attribute {name!r}")
    part = _PART.get(name, "franking")
    value = getattr(importlib.import_module(f"safeguarding.device.{part}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
