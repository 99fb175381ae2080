"""What every report is built from: the case's facts, gathered once, no content."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Reporter:
    """The platform making the report (settings: report_*)."""

    org_name: str
    contact_name: str
    contact_email: str
    terms_of_service_url: str = ""


@dataclass(frozen=True)
class ReportedFile:
    file_name: str
    md5: str | None
    pdq: str | None
    classification: str | None  # A1, A2, B1, B2
    preview_id: int | None = None  # preserved bytes to upload, when the platform gave them
    matched_lists: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReportFacts:
    case_id: int
    incident: str  # csam, enticement, sextortion
    incident_at: datetime
    summary: str
    account_id: str | None
    content_id: str | None
    conversation_id: str | None
    victim_age: int | None
    files: list[ReportedFile]
    urgent: bool
    reviewed_by: str
