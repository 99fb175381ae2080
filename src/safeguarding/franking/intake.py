"""A verified franked report as a case request: the verified messages, what the server
found in them, and how urgent that makes the case.

What the server finds, each a reason to look sooner and none a reason to act on its own:
- a revealed attachment matched against the banks as an upload is (`match` evidence, the
  bank's priority and labels; the attachment's own evidence says which bank);
- a revealed image the nudity detector finds likely nude, in a child-related report
  (`new_imagery` evidence, at least high priority, "possibly new imagery, unverified");
- the conversation engine's assessment of the revealed messages: when it alerts, the
  case gets its category, tier and the priority an alert would have, and each message
  its tactics (`franked_assessment` evidence).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from safeguarding.cases import intake
from safeguarding.cases.evidence import evidence_key
from safeguarding.cases.model import CaseKind, CaseRequest, Evidence, Priority, Subject
from safeguarding.conversation import Assessment
from safeguarding.device.franking.verify import VerifiedReport
from safeguarding.errors import InvalidInputError
from safeguarding.imagery import LABEL, Finding, child_related
from safeguarding.imagery.service import PRIORITY as IMAGERY_PRIORITY
from safeguarding.inputs import free_text, platform_id
from safeguarding.matching.result import MatchResult

#: the engine's categories that make a franked report a grooming or sextortion case
ALERT_CATEGORIES = ("grooming", "sextortion")


@dataclass(frozen=True)
class Attachment:
    """A revealed attachment and what the server found in it."""

    position: int
    index: int
    media_type: str
    size: int
    #: its hashes as a case keeps them (PDQ, MD5, SHA-256; MD5 and SHA-256 if not media)
    query: dict[str, str]
    match: MatchResult
    #: every view, crop and rotation's hash, when it matched (for the do-not-match list)
    every_hash: list[dict[str, str | None]] | None = None
    imagery: Finding | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "index": self.index,
            "media_type": self.media_type,
            "size": self.size,
            "query": intake.evidence_query(self.query.items()),
            "verified_by": "franking",
            "matched": [
                {"bank": m.bank, "signal_type": m.signal_type, "distance": m.distance}
                for m in self.match.matches
            ],
        }


def from_franked_report(
    report: VerifiedReport,
    category: str,
    reason: str,
    attachments: list[Attachment],
    assessment: Assessment | None = None,
) -> CaseRequest:
    """A case for a franked report that `verify_report` accepted: only the verified messages
    (marked "verified by franking"), the reporter's chosen context and what was left out,
    and what the server found (above). The account is the one other sender of the reported
    messages, if one."""
    if category not in intake.REPORT_CATEGORIES:
        raise InvalidInputError("category", f"must be one of {', '.join(intake.REPORT_CATEGORIES)}")
    reason = free_text("reason", reason, intake.MAX_REASON_CHARS)
    reporter = platform_id("reporter_id", report.reporter_id)
    others = {m.sender_id for m in report.reported} - {reporter}
    account = platform_id("sender_id", others.pop()) if len(others) == 1 else None
    subject = Subject(
        conversation_id=platform_id("conversation_id", report.conversation_id), account_id=account
    )
    alert = assessment if assessment and assessment.category in ALERT_CATEGORIES else None
    labels = [category, "verified_by_franking"]
    priority = {"sextortion": Priority.URGENT, "csam": Priority.HIGH}.get(category, Priority.NORMAL)
    evidence = [_messages(report, category, reason, reporter)]
    if assessment is not None and (alert or assessment.tactics):
        evidence.append(_assessment(report, assessment))
    if alert is not None:
        labels.append(alert.category or "")
        priority = min(priority, intake.from_alert(alert).priority)
    child = child_related(CaseKind.USER_REPORT, labels)
    for item in sorted(attachments, key=lambda a: (a.position, a.index)):
        data = item.as_dict()
        evidence.append(
            Evidence(
                "franked_attachment",
                data,
                key=evidence_key("franked_attachment", sorted(data["query"].items())),
            )
        )
        if item.match.matched:
            evidence += intake.match_evidence(item.match, data["query"], subject, item.every_hash)
            priority = min(priority, intake.match_priority(item.match))
            labels += sorted({label for m in item.match.matches for label in m.labels})
        if item.imagery is not None and item.imagery.likely and child:
            name = f"message-{item.position}-attachment-{item.index}"
            evidence.append(item.imagery.evidence(name, data["query"], position=item.position))
            priority = min(priority, IMAGERY_PRIORITY)
            labels.append(LABEL)
    summary = (
        f"franked report: {category}, {len(report.reported)} message"
        f"{'s' if len(report.reported) != 1 else ''} verified"
    )
    banks = sorted({m.bank for a in attachments for m in a.match.matches})
    if banks:
        summary += f"; an attachment matched {', '.join(banks)}"
    return CaseRequest(
        CaseKind.USER_REPORT,
        priority,
        subject,
        summary,
        evidence,
        labels,
        details={"reporter": reporter, "reason": reason},
    )


def _messages(report: VerifiedReport, category: str, reason: str, reporter: str) -> Evidence:
    messages = [
        {
            "position": m.position,
            "reported": m.reported,
            "sender": m.sender_id,
            "recipient": m.recipient_id,
            "sequence": m.sequence,
            "ts": m.stamped_at.isoformat(),
            "text": m.text,
            "commitment": m.commitment.hex(),
            "key_id": m.key_id,
            "attachments": [
                {"media_type": a.media_type, "revealed": a.content is not None}
                for a in m.attachments
            ],
        }
        for m in report.messages
    ]
    data: dict[str, Any] = {
        "category": category,
        "reason": reason,
        "reporter": reporter,
        "verified_by": "franking",
        "conversation": report.conversation_id,
        "messages": messages,
        "omitted": report.omitted,
    }
    key = evidence_key("franked", sorted(m.commitment.hex() for m in report.messages))
    return Evidence("franked_report", data, key=key)


def _assessment(report: VerifiedReport, assessment: Assessment) -> Evidence:
    """The engine's reading of the revealed messages, by message position: no excerpts
    (the texts are in the franked report's evidence, with its retention)."""
    positions = [m.position for m in report.messages]
    per_message: dict[str, list[str]] = {}
    for item in assessment.evidence:
        index = int(item["index"])
        if 0 <= index < len(positions):
            per_message[str(positions[index])] = sorted(item.get("tactics") or {})
    data: dict[str, Any] = {
        "category": assessment.category,
        "alert": assessment.category in ALERT_CATEGORIES,
        "tier": str(assessment.tier),
        "grooming_score": round(assessment.grooming_score, 3),
        "sextortion_score": round(assessment.sextortion_score, 3),
        "offender": assessment.offender,
        "child": assessment.child,
        "tactics": {
            tactic: [positions[i] for i in indices if 0 <= i < len(positions)]
            for tactic, indices in assessment.tactics.items()
        },
        "per_message": per_message,
    }
    key = evidence_key("franked_assessment", sorted(m.commitment.hex() for m in report.messages))
    return Evidence("franked_assessment", data, key=key)
