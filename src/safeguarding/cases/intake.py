"""Turning signals into case requests: a match (by its banks' policies), a conversation
alert, a user report (a franked report's is franking/intake.py). Decides kind, priority and
the evidence kept."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from safeguarding.banks.model import Action
from safeguarding.cases.evidence import evidence_key
from safeguarding.cases.model import CaseKind, CaseRequest, Evidence, Priority, Subject
from safeguarding.cases.uploads import UploadInfo
from safeguarding.conversation.analyzer import Assessment
from safeguarding.conversation.state import Tier
from safeguarding.errors import InvalidInputError
from safeguarding.hashing.registry import SIGNAL_TYPES
from safeguarding.inputs import free_text, platform_id
from safeguarding.matching.result import MatchResult

#: lists of confirmed abuse material: a match to one is urgent
CONFIRMED_SOURCES = ("ncmec", "iwf")
REPORT_CATEGORIES = ("csam", "grooming", "sextortion", "other")
#: the longest reason a report or a decision may give
MAX_REASON_CHARS = 2000


def match_priority(result: MatchResult) -> Priority:
    """How urgent a match is, by the strictest of the banks it matched."""
    for m in result.matches:
        if m.source in CONFIRMED_SOURCES or "confirmed" in m.labels or m.action is Action.REPORT:
            return Priority.URGENT
    return Priority.HIGH if result.action is Action.BLOCK else Priority.NORMAL


def in_evidence(signal_type: object) -> bool:
    """Whether a case keeps hashes of this type (and a decision acts on them)."""
    return (
        isinstance(signal_type, str)
        and signal_type in SIGNAL_TYPES
        and SIGNAL_TYPES[signal_type].in_evidence
    )


def evidence_query(signals: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Type -> value of the content's own hashes that a case keeps."""
    return {t: v for t, v in signals if in_evidence(t)}


def _fingerprint(query: dict[str, str], subject: Subject) -> str:
    """What identifies the file behind a match: the hash that names it most surely."""
    known = [t for t, v in query.items() if v and in_evidence(t)]
    if known:
        best = min(known, key=lambda t: SIGNAL_TYPES[t].identity_rank)
        return f"{best}:{query[best]}"
    return f"content:{subject.content_id or ''}"


def match_evidence(
    result: MatchResult,
    query: dict[str, str],
    subject: Subject,
    every_hash: list[dict[str, str | None]] | None = None,
) -> list[Evidence]:
    """A piece of `match` evidence per bank entry matched; the same file matching the same
    entry again is the same evidence."""
    file = _fingerprint(query, subject)
    data: dict[str, Any] = {"query": query}
    if every_hash:
        data["hashes"] = every_hash
    return [
        Evidence(
            "match", {**m.as_dict(), **data}, key=evidence_key("match", m.bank, m.entry_id, file)
        )
        for m in result.matches
    ]


@dataclass(frozen=True)
class MatchToOpen:
    """One content's match, as `from_match` takes it (Engine.open_match_cases)."""

    result: MatchResult
    query: dict[str, str]
    subject: Subject
    upload: UploadInfo | None = None
    every_hash: list[dict[str, str | None]] | None = None


def from_match(
    result: MatchResult,
    query: dict[str, str],
    subject: Subject,
    upload: UploadInfo | None = None,
    every_hash: list[dict[str, str | None]] | None = None,
) -> CaseRequest | None:
    """A case for a match, by the strictest policy of the banks it matched. The same file
    matching the same bank entry again is the same evidence (counted, not stored again).
    `query` is the content's own hashes; `every_hash` adds its views, crops and rotations
    (the do-not-match list takes them all after a false positive)."""
    if not result.matched:
        return None
    evidence = match_evidence(result, query, subject, every_hash)
    banks = sorted({m.bank for m in result.matches})
    best = min(result.matches, key=lambda m: m.distance)
    summary = f"{best.signal_type} match to {', '.join(banks)} at distance {best.distance:g}" + (
        f" ({best.variant})" if best.variant else ""
    )
    immediate = (
        ["remove_content"]
        if result.action in (Action.BLOCK, Action.REPORT) and subject.content_id
        else []
    )
    labels = sorted({label for m in result.matches for label in m.labels})
    return CaseRequest(
        CaseKind.MATCH,
        match_priority(result),
        subject,
        summary,
        evidence,
        labels,
        immediate,
        upload or UploadInfo(),
    )


def from_alert(assessment: Assessment, account_id: str | None = None) -> CaseRequest:
    """A case for a conversation alert; the likely offender is the account."""
    sextortion = assessment.category == "sextortion"
    priority = Priority.URGENT if sextortion or assessment.tier == Tier.URGENT else Priority.HIGH
    data: dict[str, Any] = {
        "category": assessment.category,
        "tier": assessment.tier,
        "grooming_score": round(assessment.grooming_score, 3),
        "sextortion_score": round(assessment.sextortion_score, 3),
        "first_alert_index": assessment.first_alert_index,
        "messages": assessment.messages,
        "offender": assessment.offender,
        "child": assessment.child,
        "tactics": assessment.tactics,
        "excerpts": assessment.evidence,
    }
    summary = (
        f"{assessment.category} alert at message {assessment.first_alert_index} "
        f"({', '.join(sorted(assessment.tactics))})"
    )
    subject = Subject(conversation_id=assessment.id, account_id=account_id or assessment.offender)
    key = evidence_key("alert", assessment.id, assessment.category, assessment.tier)
    return CaseRequest(
        CaseKind.CONVERSATION,
        priority,
        subject,
        summary,
        [Evidence("alert", data, key=key)],
        [assessment.category or "alert"],
    )


def from_user_report(
    category: str,
    reason: str,
    subject: Subject,
    *,
    reporter: str | None = None,
    query: dict[str, str] | None = None,
    upload: UploadInfo | None = None,
) -> CaseRequest:
    """A case for a user report. More reports of the same category about the same subject
    and hashes are the same evidence: counted, each reporter and reason kept as a sample."""
    if category not in REPORT_CATEGORIES:
        raise InvalidInputError("category", f"must be one of {', '.join(REPORT_CATEGORIES)}")
    if reporter is not None:
        platform_id("reporter_id", reporter)
    reason = free_text("reason", reason, MAX_REASON_CHARS)
    priority = {"sextortion": Priority.URGENT, "csam": Priority.HIGH}.get(category, Priority.NORMAL)
    query = query or {}
    data: dict[str, Any] = {
        "category": category,
        "reason": reason,
        "reporter": reporter,
        "query": query,
    }
    key = evidence_key(
        "report",
        category,
        subject.content_id,
        subject.account_id,
        subject.conversation_id,
        sorted(query.items()),
    )
    return CaseRequest(
        CaseKind.USER_REPORT,
        priority,
        subject,
        f"user report: {category}",
        [Evidence("report", data, key=key)],
        [category],
        upload=upload or UploadInfo(),
        details={"reporter": reporter, "reason": reason},
    )
