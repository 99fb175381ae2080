"""Cases: what a human should look at. Kinds, priorities, statuses and decisions are
stored by value: never rename them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Any

from safeguarding.cases.uploads import UploadInfo
from safeguarding.inputs import platform_id


class CaseKind(StrEnum):
    MATCH = "match"  # a hash matched a bank
    CONVERSATION = "conversation"  # a grooming or sextortion alert
    USER_REPORT = "user_report"  # someone on the platform reported content or a user
    SELF_REPORT = "self_report"  # a young person's own hashes, for the hotline (selfreport/)


class Priority(IntEnum):
    URGENT = 0  # sextortion in progress; a match to a confirmed-abuse list
    HIGH = 1  # grooming alert; a match to a blocking bank
    NORMAL = 2  # a match for review; a user report
    LOW = 3

    @property
    def label(self) -> str:
        return self.name.lower()


#: how long each priority may wait for a decision
DEADLINES = {
    Priority.URGENT: timedelta(hours=1),
    Priority.HIGH: timedelta(hours=24),
    Priority.NORMAL: timedelta(hours=72),
    Priority.LOW: timedelta(days=7),
}


class Status(StrEnum):
    NEW = "new"
    IN_REVIEW = "in_review"
    DECIDED = "decided"
    ACTIONED = "actioned"
    CLOSED = "closed"


OPEN_STATUSES = (Status.NEW, Status.IN_REVIEW)


class Decision(StrEnum):
    CONFIRM = "confirm"
    FALSE_POSITIVE = "false_positive"
    ESCALATE = "escalate"
    NEEDS_INFO = "needs_info"

    @property
    def final(self) -> bool:
        return self in (Decision.CONFIRM, Decision.FALSE_POSITIVE)


class Classification(StrEnum):
    """The industry classification NCMEC asks for with each reported file."""

    A1 = "A1"  # prepubescent minor, sex act
    A2 = "A2"  # prepubescent minor, lascivious exhibition
    B1 = "B1"  # pubescent minor, sex act
    B2 = "B2"  # pubescent minor, lascivious exhibition


@dataclass(frozen=True)
class Subject:
    """The platform's identifiers for what the case is about."""

    content_id: str | None = None
    account_id: str | None = None
    conversation_id: str | None = None

    def __post_init__(self) -> None:
        for name in ("content_id", "account_id", "conversation_id"):
            value = getattr(self, name)
            if value is not None:
                platform_id(name, value)

    @property
    def empty(self) -> bool:
        return not (self.content_id or self.account_id or self.conversation_id)


@dataclass(frozen=True)
class Sample:
    """One occurrence behind a piece of evidence (one upload, one report), kept as a sample."""

    seen_at: datetime
    account_id: str | None
    content_id: str | None
    #: the platform's upload metadata (cases/uploads.py); {} when none was given or it has
    #: been purged at the end of the evidence retention period
    upload: dict[str, Any]
    #: what differs between occurrences of one kind: a report's reporter and reason
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Evidence:
    kind: str  # match, alert, report
    data: dict[str, Any]
    id: int = 0
    added_at: datetime | None = None  # first seen
    #: what makes two pieces of evidence the same (same kind, same content): a repeat is
    #: counted on the first instead of stored again; None: never joined
    key: str | None = None
    count: int = 1
    last_seen: datetime | None = None
    #: distinct accounts seen (counted up to cases.evidence.MAX_TRACKED_ACCOUNTS)
    accounts: int = 0
    samples: list[Sample] = field(default_factory=list)


@dataclass(frozen=True)
class CaseRequest:
    """What intake hands the service: open a case, or join the open one."""

    kind: CaseKind
    priority: Priority
    subject: Subject
    summary: str
    evidence: list[Evidence]
    labels: list[str] = field(default_factory=list)
    #: per-policy actions to send at once (a match to a blocking bank)
    immediate_actions: list[str] = field(default_factory=list)
    #: the platform's metadata about this upload, kept with the evidence's samples
    upload: UploadInfo = field(default_factory=UploadInfo)
    #: what this occurrence adds to each sample beyond its ids and upload metadata
    details: dict[str, Any] = field(default_factory=dict)


#: a preview kept from a video: JPEG bytes, four keyframes on one sheet (cases/keyframes.py)
KEYFRAMES_TYPE = "image/jpeg; source=video"


@dataclass(frozen=True, kw_only=True)
class Preview:
    id: int
    media_type: str
    file_name: str
    md5: str  # of the stored (re-encoded) bytes
    expires_at: datetime
    #: of the bytes as the platform gave them, before re-encoding; None: stored before 0010
    original_md5: str | None = None
    #: the reviewer's classification of this file; None: the case's applies
    classification: Classification | None = None

    @property
    def video(self) -> bool:
        """Kept from a video, as keyframes (it never plays: there is nothing to play)."""
        return self.media_type == KEYFRAMES_TYPE


@dataclass(frozen=True, kw_only=True)
class Case:
    id: int
    kind: CaseKind
    priority: Priority
    status: Status
    assignee: str | None
    subject: Subject
    summary: str
    labels: list[str]
    decision: Decision | None
    decision_reason: str | None
    decided_by: str | None
    decided_at: datetime | None
    classification: Classification | None
    version: int
    due_at: datetime
    created_at: datetime
    updated_at: datetime
    preserve_until: datetime | None
    evidence: list[Evidence] = field(default_factory=list)
    previews: list[Preview] = field(default_factory=list)
    #: the assignee's hold on the case lapses then (cases/leases.py); None: not held
    lease_until: datetime | None = None

    @property
    def escalated(self) -> bool:
        return "escalated" in self.labels

    def held_by(self, now: datetime) -> str | None:
        """The reviewer holding the case at `now`, if any."""
        live = self.lease_until is not None and self.lease_until > now
        return self.assignee if live else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "priority": self.priority.label,
            "status": self.status.value,
            "assignee": self.assignee,
            "content_id": self.subject.content_id,
            "account_id": self.subject.account_id,
            "conversation_id": self.subject.conversation_id,
            "summary": self.summary,
            "labels": self.labels,
            "decision": self.decision.value if self.decision else None,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "version": self.version,
            "due_at": self.due_at.isoformat(),
            "created_at": self.created_at.isoformat(),
            "evidence": [
                {
                    "kind": e.kind,
                    **e.data,
                    "count": e.count,
                    "accounts": e.accounts,
                    "first_seen": e.added_at.isoformat() if e.added_at else None,
                    "last_seen": e.last_seen.isoformat() if e.last_seen else None,
                }
                for e in self.evidence
            ],
        }
