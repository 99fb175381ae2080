"""The tactics a detector can see in one message, and the stages of grooming they belong to.

Stages follow the grooming literature (O'Connell's stages; Winters & Jeglic's SRGM):
building trust, then checking the target and the risk of being caught, then drawing the
child into an exclusive, secret relationship, then the requests. A conversation that covers
several stages is far more telling than any one message."""

from __future__ import annotations

from enum import StrEnum


class Tactic(StrEnum):
    RAPPORT = "rapport"  # friendliness, shared interests, "i get you"
    COMPLIMENT = "compliment"  # flattery, "you're so mature", "ur so pretty"
    AGE_PROBE = "age_probe"  # "how old are you?", "what grade are you in?"
    PERSONAL_INFO = "personal_info"  # where they live, their school, their number
    RISK_CHECK = "risk_check"  # "are your parents around?", "are you alone?"
    SECRECY = "secrecy"  # "don't tell anyone", "delete our chat"
    ISOLATION = "isolation"  # "nobody understands you like I do"
    GIFTS = "gifts"  # gift cards, in-game currency, money
    PLATFORM_SWITCH = "platform_switch"  # "add me on snap", "somewhere more private"
    IMAGE_REQUEST = "image_request"  # "send me a pic", "turn your camera on"
    MEETING_REQUEST = "meeting_request"  # "let's meet", "I can pick you up"
    THREAT = "threat"  # "I'll send your pics to your friends"
    PAYMENT_DEMAND = "payment_demand"  # "pay $200 or else", "send more"
    DESENSITISATION = "desensitisation"  # "it's normal, everyone does it"
    PRESSURE = "pressure"  # guilt, "if you loved me", "you owe me"


class Stage(StrEnum):
    TRUST = "trust"
    TARGETING = "targeting"
    EXCLUSIVITY = "exclusivity"
    REQUEST = "request"


GROOMING_STAGE: dict[Tactic, Stage] = {
    Tactic.RAPPORT: Stage.TRUST,
    Tactic.COMPLIMENT: Stage.TRUST,
    Tactic.GIFTS: Stage.TRUST,
    Tactic.AGE_PROBE: Stage.TARGETING,
    Tactic.PERSONAL_INFO: Stage.TARGETING,
    Tactic.RISK_CHECK: Stage.TARGETING,
    Tactic.SECRECY: Stage.EXCLUSIVITY,
    Tactic.ISOLATION: Stage.EXCLUSIVITY,
    Tactic.PLATFORM_SWITCH: Stage.EXCLUSIVITY,
    Tactic.DESENSITISATION: Stage.EXCLUSIVITY,
    Tactic.PRESSURE: Stage.EXCLUSIVITY,
    Tactic.IMAGE_REQUEST: Stage.REQUEST,
    Tactic.MEETING_REQUEST: Stage.REQUEST,
}
SEXTORTION_TACTICS = (Tactic.THREAT, Tactic.PAYMENT_DEMAND)
# The "explicit harm" a grooming alert should come before (the earliness measure).
HARM_REQUESTS = (Tactic.IMAGE_REQUEST, Tactic.MEETING_REQUEST)

# The shared labelled format's tag names (../shared/data/conversations/README.md).
TAG_TACTIC: dict[str, Tactic] = {
    "rapport": Tactic.RAPPORT,
    "compliment": Tactic.COMPLIMENT,
    "age_probe": Tactic.AGE_PROBE,
    "personal_info_probe": Tactic.PERSONAL_INFO,
    "risk_check": Tactic.RISK_CHECK,
    "secrecy": Tactic.SECRECY,
    "isolation": Tactic.ISOLATION,
    "gift_offer": Tactic.GIFTS,
    "platform_switch": Tactic.PLATFORM_SWITCH,
    "image_request": Tactic.IMAGE_REQUEST,
    "meeting_request": Tactic.MEETING_REQUEST,
    "threat": Tactic.THREAT,
    "payment_demand": Tactic.PAYMENT_DEMAND,
    "desensitisation": Tactic.DESENSITISATION,
    "guilt_pressure": Tactic.PRESSURE,
}
