"""A case in plain words: the one-sentence summary a reviewer reads first, and each
conversation tactic named as a person would name it.

Built from the stored evidence when a case is shown (never stored), so the wording can
improve without touching a row. The engine's own names (`age_probe`, `crop95`, distance 0)
stay on the page beside these words, for whoever needs them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from safeguarding.cases.intake import CONFIRMED_SOURCES
from safeguarding.conversation.tactics import GROOMING_STAGE, Stage, Tactic
from safeguarding.hashing.pdq import PdqSignal
from safeguarding.hashing.registry import SIGNAL_TYPES
from safeguarding.hashing.vpdq import VpdqSignal

#: what someone did, to finish "Account u1 ..."; in the order grooming usually runs
TACTIC_DEEDS: dict[str, str] = {
    Tactic.RAPPORT: "built up a friendship",
    Tactic.COMPLIMENT: "flattered them",
    Tactic.GIFTS: "offered gifts or money",
    Tactic.AGE_PROBE: "asked their age",
    Tactic.PERSONAL_INFO: "asked where they live, their school or their number",
    Tactic.RISK_CHECK: "checked whether an adult was around",
    Tactic.SECRECY: "asked them to keep their chats secret",
    Tactic.ISOLATION: "told them nobody else understands them",
    Tactic.PLATFORM_SWITCH: "asked them to move to another app",
    Tactic.DESENSITISATION: "said sexual things are normal",
    Tactic.PRESSURE: "pressured them with guilt",
    Tactic.IMAGE_REQUEST: "asked for pictures or the camera",
    Tactic.MEETING_REQUEST: "asked to meet",
    Tactic.THREAT: "threatened to share pictures of them",
    Tactic.PAYMENT_DEMAND: "demanded money or more pictures",
}
#: a tactic as a label beside a message
TACTIC_LABELS: dict[str, str] = {
    Tactic.RAPPORT: "Befriending",
    Tactic.COMPLIMENT: "Flattery",
    Tactic.GIFTS: "Gifts or money",
    Tactic.AGE_PROBE: "Asks age",
    Tactic.PERSONAL_INFO: "Asks personal details",
    Tactic.RISK_CHECK: "Checks for adults",
    Tactic.SECRECY: "Secrecy",
    Tactic.ISOLATION: "Isolating",
    Tactic.PLATFORM_SWITCH: "Move to another app",
    Tactic.DESENSITISATION: "Normalising sex",
    Tactic.PRESSURE: "Guilt or pressure",
    Tactic.IMAGE_REQUEST: "Asks for pictures",
    Tactic.MEETING_REQUEST: "Asks to meet",
    Tactic.THREAT: "Threat",
    Tactic.PAYMENT_DEMAND: "Demand",
}
_ORDER = {t: i for i, t in enumerate(TACTIC_DEEDS)}
SOURCE_NAMES = {"ncmec": "NCMEC's", "iwf": "the IWF's"}
#: PDQ distance (of 256 bits) up to which two images look the same to a person
NEAR_IDENTICAL = 10


def tactic_label(tactic: str) -> str:
    return TACTIC_LABELS.get(tactic, tactic.replace("_", " ").capitalize())


def stage_of(tactic: str) -> str:
    try:
        return GROOMING_STAGE.get(Tactic(tactic), Stage.REQUEST).value
    except ValueError:
        return ""


def _listing(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _exact(signal_type: object) -> bool:
    """A digest of the file's bytes (MD5, SHA-256), not a perceptual hash."""
    known = SIGNAL_TYPES.get(str(signal_type))
    return known is not None and not known.perceptual


def _medium(signal_types: set[str]) -> str:
    if VpdqSignal.name in signal_types:
        return "video"
    return "photo" if PdqSignal.name in signal_types else "file"


def closeness(match: Mapping[str, Any]) -> str:
    signal, distance = match.get("signal_type"), float(match.get("distance") or 0)
    if _exact(signal):
        how = "as an exact copy (the same file)"
    elif signal == VpdqSignal.name:
        how = "as a copy of the same video"
    elif distance == 0:
        how = "as a visually identical copy"
    elif distance <= NEAR_IDENTICAL:
        how = "as a near-identical copy"
    else:
        how = f"as a similar image ({distance:g} of 256 bits differ)"
    variant = str(match.get("variant") or "")
    turned = variant.rsplit("/", 1)[-1] not in ("", "original")
    changes = [
        word
        for present, word in (
            ("trimmed" in variant, "with its borders trimmed"),
            (bool(match.get("entry_view")), "cropped"),
            (turned, "turned or mirrored"),
        )
        if present
    ]
    return how + (f", {_listing(changes)}" if changes else "")


def best(matches: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The closest match: the same file beats any picture distance."""
    exact = [m for m in matches if _exact(m.get("signal_type"))]
    return (exact or sorted(matches, key=lambda m: float(m.get("distance") or 0)))[0]


def match_summary(matches: Sequence[Mapping[str, Any]]) -> str:
    """ "This photo matched 3 lists, including NCMEC's, as an exact copy." """
    if not matches:
        return "No match is recorded on this case."
    banks = sorted({str(m.get("bank")) for m in matches})
    known = sorted(
        {SOURCE_NAMES[s] for m in matches if (s := str(m.get("source") or "")) in CONFIRMED_SOURCES}
    )
    count = f"{len(banks)} lists" if len(banks) > 1 else f"the list {banks[0]}"
    including = (
        f", including {_listing(known)},"
        if known and len(banks) > 1
        else (f" ({_listing(known)})" if known else "")
    )
    medium = _medium({str(m.get("signal_type")) for m in matches})
    return f"This {medium} matched {count}{including} {closeness(best(matches))}."


def _age(age: Any, source: Any) -> str:
    if not isinstance(age, int):
        return ""
    return f"stated {age}" if source == "stated" else f"{age} by the platform"


def person(account: str | None, age: Any = None, source: Any = None) -> str:
    """ "Adult account u1 (stated 24)"."""
    described = _age(age, source)
    adult = (
        "Account"
        if not isinstance(age, int)
        else ("Adult account" if age >= 18 else "Child's account")
    )
    return f"{adult} {account or 'unknown'}" + (f" ({described})" if described else "")


def child_phrase(age: Any, source: Any) -> str:
    if not isinstance(age, int):
        return "someone who is likely a child"
    if age >= 18:
        return f"someone aged {age}"
    if source == "stated":
        return f"a child who said they are {age}"
    return f"a {age}-year-old (by the platform)"


def conversation_summary(
    alert: Mapping[str, Any], ages: Mapping[str, tuple[int | None, str | None]]
) -> str:
    """ "Adult account u1 (stated 24) asked a child who said they are 13 to keep their chats
    secret and to move to another app" (tactics in the order grooming runs)."""
    offender, child = alert.get("offender"), alert.get("child")
    excerpts = alert.get("excerpts") or []
    theirs = {
        t
        for e in excerpts
        if isinstance(e, Mapping) and e.get("sender") == offender
        for t in (e.get("tactics") or {})
    }
    tactics = sorted(
        theirs or set(alert.get("tactics") or {}), key=lambda t: _ORDER.get(t, len(_ORDER))
    )
    deeds = [TACTIC_DEEDS.get(t, tactic_label(t).lower()) for t in tactics]
    who = person(offender, *ages.get(str(offender), (None, None)))
    target = (
        child_phrase(*ages.get(str(child), (None, None)))
        if child
        else "someone who is likely a child"
    )
    if not deeds:
        return f"{who} talked with {target}; no single tactic stands out."
    category = alert.get("category") or "risk"
    return f"{who}, talking with {target}, {_listing(deeds)} ({category} alert)."


def report_summary(reports: Sequence[Mapping[str, Any]], count: int) -> str:
    categories = sorted({str(r.get("category")) for r in reports})
    named = {
        "csam": "child sexual abuse material",
        "grooming": "grooming",
        "sextortion": "sextortion",
        "other": "something else",
    }
    what = _listing([named.get(c, c) for c in categories])
    times = f"{count} times" if count > 1 else "once"
    return f"Reported by people on the platform as {what}, {times}."
