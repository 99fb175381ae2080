"""Request and response bodies (these shape the OpenAPI document at /docs)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from safeguarding.banks.model import Action, Bank, BankSource
from safeguarding.banks.policy import LEGACY_FIELDS, BankPolicy, legacy_spec
from safeguarding.cases.intake import MAX_REASON_CHARS
from safeguarding.cases.uploads import FIELDS as UPLOAD_FIELDS
from safeguarding.cases.uploads import MAX_SCREEN_NAME_CHARS, MAX_SURFACE_CHARS, UploadInfo
from safeguarding.inputs import MAX_ID_CHARS
from safeguarding.insights.counters import Surface

MAX_BATCH = 1000
SURFACE_HELP = (
    "Where it was posted. Counted for transparency reports as one of "
    + ", ".join(s.value for s in Surface if s not in (Surface.OTHER, Surface.UNSPECIFIED))
    + " (any other value counts as other, none as unspecified); kept as given with the "
    "case's evidence for reports to authorities."
)


class SignalIn(BaseModel):
    type: str = Field(examples=["pdq"])
    value: str = Field(max_length=10_000_000)
    quality: int | None = Field(None, ge=0, le=100)


class UploadFieldsIn(BaseModel):
    """Optional metadata about the upload (cases/uploads.py validates it). Kept only with
    the case's sampled evidence, and only for the evidence retention period."""

    uploader_ip: str | None = Field(
        None,
        description="The uploader's IP address (v4 or v6) as your server saw it.",
        examples=["203.0.113.7"],
    )
    uploader_port: int | None = Field(
        None,
        description="The uploader's source port (1-65535)"
        ": needed to trace an address shared behind NAT.",
    )
    screen_name: str | None = Field(
        None,
        max_length=MAX_SCREEN_NAME_CHARS,
        description="The uploader's display name at the time.",
    )
    uploaded_at: str | None = Field(
        None,
        description="When you received the upload: ISO 8601 with a UTC offset.",
        examples=["2025-01-31T12:00:00Z"],
    )
    surface: str | None = Field(
        None,
        max_length=MAX_SURFACE_CHARS,
        description=SURFACE_HELP,
        examples=["public_post"],
    )

    def upload(self) -> UploadInfo:
        return UploadInfo.parse(**{name: getattr(self, name) for name in UPLOAD_FIELDS})


class MatchItemIn(UploadFieldsIn):
    id: str | None = Field(
        None,
        max_length=MAX_ID_CHARS,
        description="Your content id, "
        "echoed back; a match with an id (or account_id) opens a review "
        "case.",
    )
    account_id: str | None = Field(None, max_length=MAX_ID_CHARS, description="Who uploaded it.")
    signals: list[SignalIn] = Field(min_length=1, max_length=100)


class MatchSignalsIn(BaseModel):
    items: list[MatchItemIn] = Field(min_length=1, max_length=MAX_BATCH)


#: a bank's settings per signal type, each type's own (docs/configuration.md lists them)
Policies = dict[str, dict[str, int | float]]
_POLICIES_HELP = (
    'Settings per signal type, e.g. {"pdq": {"threshold": 20}}; each '
    "type checks its own. The flat fields above set the same PDQ and vPDQ "
    "settings; both may be sent if they agree."
)


def _flat(name: str, *, patch: bool = False) -> Any:
    """A flat policy field as it always was (its default and limits are its setting's)."""
    default, low, high = legacy_spec(name)
    return Field(None if patch else default, ge=low, le=high)


class BankIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = Field("", max_length=2000)
    source: str = BankSource.LOCAL
    labels: list[str] = Field(default_factory=list)
    pdq_threshold: int = _flat("pdq_threshold")
    min_quality: int = _flat("min_quality")
    action: Action = Action.REVIEW
    vpdq_query_match_percent: float = _flat("vpdq_query_match_percent")
    vpdq_index_match_percent: float = _flat("vpdq_index_match_percent")
    policies: Policies | None = Field(None, description=_POLICIES_HELP)

    def policy(self) -> BankPolicy:
        """The flat fields count only where sent, so `policies` alone is not overruled by
        their defaults."""
        flat = {k: getattr(self, k) for k in LEGACY_FIELDS if k in self.model_fields_set}
        return BankPolicy.of(self.action, policies=self.policies, **flat)


class BankPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    description: str | None = Field(None, max_length=2000)
    source: str | None = None
    labels: list[str] | None = None
    pdq_threshold: int | None = _flat("pdq_threshold", patch=True)
    min_quality: int | None = _flat("min_quality", patch=True)
    action: Action | None = None
    vpdq_query_match_percent: float | None = _flat("vpdq_query_match_percent", patch=True)
    vpdq_index_match_percent: float | None = _flat("vpdq_index_match_percent", patch=True)
    policies: Policies | None = Field(
        None, description="Settings per signal type to change; those not named stay as they are."
    )


class BankOut(BaseModel):
    name: str
    description: str
    source: str
    enabled: bool
    labels: list[str]
    pdq_threshold: int
    min_quality: int
    action: Action
    vpdq_query_match_percent: float
    vpdq_index_match_percent: float
    policies: Policies = Field(description="Every signal type's settings in effect.")
    entry_count: int
    created_by: str
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, bank: Bank) -> BankOut:
        return cls.model_validate(bank.as_dict())


class EntriesIn(BaseModel):
    signals: list[SignalIn] = Field(min_length=1, max_length=10_000)
    labels: list[str] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    source_ref: str | None = Field(None, max_length=200)


class ImportOut(BaseModel):
    bank: str
    added: int
    already_present: int


class DoNotMatchIn(BaseModel):
    type: str
    value: str = Field(max_length=10_000_000)
    reason: str = Field(min_length=1, max_length=2000)


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sender: str = Field(
        min_length=1, max_length=MAX_ID_CHARS, description="Your id for the sender."
    )
    text: str = Field(description="The message text; not stored.")
    ts: str | None = Field(None, max_length=64, description="Your timestamp, echoed in evidence.")


class ParticipantIn(BaseModel):
    age: int | None = Field(None, ge=0, le=130, description="Age, where the platform knows it.")


class MessagesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    messages: list[MessageIn] = Field(min_length=1, max_length=MAX_BATCH)
    participants: dict[str, ParticipantIn] | None = None


class EvidenceOut(BaseModel):
    index: int
    sender: str
    ts: str | None
    tactics: dict[str, float]
    excerpt: str | None = Field(None, description="Only once the conversation has alerted.")


class AssessmentOut(BaseModel):
    id: str
    alert: bool
    category: str | None = Field(description="grooming, sextortion, or null")
    first_alert_index: int | None = Field(
        description="0-based index of the message after which the alert was first raised."
    )
    grooming_score: float
    sextortion_score: float
    tier: str = Field(
        description="none, nudge (safety information for the child), review "
        "(human review), urgent (sextortion in progress)"
    )
    offender: str | None = Field(description="The participant most likely causing harm.")
    child: str | None = Field(description="The participant most likely at risk.")
    disclosure: bool = Field(
        description="A participant described a threat or abuse done to "
        "them: reason enough for safety information."
    )
    messages: int
    tactics: dict[str, list[int]] = Field(description="Tactic -> indices of messages showing it.")
    evidence: list[EvidenceOut]


class UserReportIn(UploadFieldsIn):
    """A user's report; the upload fields describe the reported content's upload."""

    model_config = ConfigDict(extra="forbid")
    category: str = Field(description="csam, grooming, sextortion or other")
    reason: str = Field("", max_length=MAX_REASON_CHARS, description="What the reporter said.")
    content_id: str | None = Field(None, max_length=MAX_ID_CHARS)
    account_id: str | None = Field(
        None, max_length=MAX_ID_CHARS, description="The reported account."
    )
    conversation_id: str | None = Field(None, max_length=MAX_ID_CHARS)
    reporter_id: str | None = Field(None, max_length=MAX_ID_CHARS)
    signals: list[SignalIn] = Field(
        default_factory=list, max_length=10, description="Hashes of the reported content, if any."
    )


class CaseRef(BaseModel):
    id: int
    created: bool = Field(description="False when the evidence joined an open case.")
    status: str
    priority: str


# --- what the other routes answer (every route has a response model) -------------------


class HealthOut(BaseModel):
    status: str
    version: str


class ReadyChecks(BaseModel):
    database: bool
    schema_current: bool | None = None
    error: str | None = None
    index_loaded: bool
    index_sizes: dict[str, int] = Field(description="Entries per signal type's index.")


class ReadyOut(BaseModel):
    ready: bool
    checks: ReadyChecks


class SignalOut(BaseModel):
    type: str
    value: str
    quality: int | None
    view: str | None = Field(description="null: the file itself; else trimmed, crop95 ...")


class HashesOut(BaseModel):
    kind: str = Field(description="image or video")
    width: int
    height: int
    signals: list[SignalOut]


class MatchOut(BaseModel):
    bank: str
    entry: int
    signal_type: str
    distance: float
    quality: int | None
    variant: str | None = Field(description="The query's rotation or view that matched.")
    action: Action
    labels: list[str]
    source: str
    source_ref: str | None
    entry_view: str | None
    detail: dict[str, Any] | None = Field(
        None,
        description="Per signal type (vPDQ: how much of each video matched); absent when none.",
    )


class ErrorOut(BaseModel):
    type: str
    message: str
    field: str | None = None
    line: int | None = None
    limit: str | None = None


class FileResult(BaseModel):
    """One file of a batch: its hashes (and, for /match, its matches and the case it opened
    or joined), or the error that file alone met (`error`, `status`)."""

    name: str
    hashes: HashesOut | None = None
    matched: bool | None = None
    action: Action | None = None
    matches: list[MatchOut] | None = None
    suppressed: list[str] | None = Field(
        None, description="Signal types whose matches the do-not-match list suppressed."
    )
    case: CaseRef | None = None
    error: ErrorOut | None = None
    status: int | None = None


class FileResults(BaseModel):
    results: list[FileResult]


class SignalsResult(BaseModel):
    id: str | None
    matched: bool
    action: Action | None
    matches: list[MatchOut]
    suppressed: list[str]
    case: CaseRef | None = None


class SignalsResults(BaseModel):
    results: list[SignalsResult]


class EntryOut(BaseModel):
    id: int
    bank: str
    signal_type: str
    value: str
    quality: int | None
    labels: list[str]
    metadata: dict[str, Any]
    source_ref: str | None
    added_by: str
    added_at: str


class EntriesOut(BaseModel):
    entries: list[EntryOut]
    next_after: int | None = Field(
        description="Pass as `after` for the next page; null at the end."
    )


class DoNotMatchAdded(BaseModel):
    id: int
    type: str
    value: str


class DoNotMatchOut(DoNotMatchAdded):
    reason: str
    added_by: str


class CaseOut(BaseModel):
    id: int
    kind: str
    priority: str
    status: str
    assignee: str | None
    content_id: str | None
    account_id: str | None
    conversation_id: str | None
    summary: str
    labels: list[str]
    decision: str | None
    decided_at: str | None
    version: int
    due_at: str
    created_at: str


class PreviewOut(BaseModel):
    case: int
    preview: int
