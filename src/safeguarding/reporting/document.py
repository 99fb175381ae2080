"""What every report is built from: the case's facts, gathered once (reporting/facts.py),
no content. docs/response.md says field by field what each authority is sent."""

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
class Upload:
    """One upload as the platform described it (its upload metadata); every field optional."""

    uploaded_at: datetime | None = None
    ip: str | None = None
    port: int | None = None
    screen_name: str | None = None
    surface: str | None = None


@dataclass(frozen=True)
class ReportedFile:
    #: the name of the file we upload: our re-encoded preview, not the original
    file_name: str
    #: MD5 of the file as the platform received it (the match's MD5), never of our preview
    md5: str | None
    pdq: str | None
    classification: str | None  # A1, A2, B1, B2: this file's, else the case's
    preview_id: int | None = None  # preserved bytes to upload, when the platform gave them
    matched_lists: list[str] = field(default_factory=list)
    #: the file's name as the platform received it, when it told us
    original_file_name: str | None = None
    #: a reviewer revealed this file (the audit trail); blurred views do not count
    viewed: bool = False
    #: None: not known (the platform did not say)
    publicly_available: bool | None = None
    #: the earliest known upload of this file
    upload: Upload | None = None


@dataclass(frozen=True)
class ReportFacts:
    case_id: int
    incident: str  # csam, enticement, sextortion
    #: when the incident happened: the earliest upload or message time the evidence gives
    incident_at: datetime
    summary: str
    account_id: str | None
    content_id: str | None
    conversation_id: str | None
    victim_age: int | None
    files: list[ReportedFile]
    urgent: bool
    reviewed_by: str
    #: what `incident_at` is (sent as incidentDateTimeDescription)
    incident_at_basis: str = ""
    #: when we first had the evidence (the case opened)
    detected_at: datetime | None = None
    #: the reported account's screen name, and every upload known (IP capture events)
    screen_name: str | None = None
    uploads: list[Upload] = field(default_factory=list)
    #: where on the platform it happened (upload metadata `surface`), if told
    surface: str | None = None
