"""NCMEC CyberTipline report XML (the ISPWS reporting API), valid against NCMEC's schema
(`shared/data/ncmec/cyber_tipline.xsd`; the tests validate every document against it).
Elements are written in the order the schema's sequences require. docs/response.md lists
what each element is filled from.

Flow with the API (reporting/service.py): POST /submit (report XML) -> reportId; for each
preserved file POST /upload -> fileId (and NCMEC's MD5 of what it received), then POST
/fileinfo (fileDetails XML); POST /finish -> reportDoneResponse.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from safeguarding.reporting.document import ReportedFile, Reporter, ReportFacts, Upload

INCIDENT_TYPES = {
    "csam": "Child Pornography (possession, manufacture, and distribution)",
    "enticement": "Online Enticement of Children for Sexual Acts",
    "sextortion": "Online Enticement of Children for Sexual Acts",
}
#: surfaces (upload metadata) that are chats or direct messages: reported as chatImIncident
CHAT_SURFACES = ("message", "chat", "dm", "direct_message", "group_chat", "comment_dm")
#: XML 1.0 cannot carry these at all (C0 controls but tab and newlines, surrogates,
#: U+FFFE/U+FFFF); C1 controls and DEL go too, as no report text needs them
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """Text that any XML parser accepts: control characters removed."""
    return _UNSAFE.sub("", text)


def _add(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    child = ET.SubElement(parent, tag)
    if text is not None:
        child.text = clean(text)
    return child


def _xml(root: ET.Element) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _time(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _ip_event(parent: ET.Element, tag: str, upload: Upload) -> None:
    """ipCaptureEvent: ipAddress, eventName, dateTime, possibleProxy, port (in that order)."""
    if not upload.ip:
        return
    event = _add(parent, tag)
    _add(event, "ipAddress", upload.ip)
    _add(event, "eventName", "Upload")
    if upload.uploaded_at:
        _add(event, "dateTime", _time(upload.uploaded_at))
    if upload.port:
        _add(event, "port", str(upload.port))


def _internet_details(report: ET.Element, facts: ReportFacts, reporter: Reporter) -> None:
    """Where it happened: a chat for conversations and messaging surfaces, else a web page
    (the upload's surface named; no URL, as we are not given one). Nothing when unknown."""
    surface = (facts.surface or "").lower()
    if facts.conversation_id or surface in CHAT_SURFACES:
        chat = _add(_add(report, "internetDetails"), "chatImIncident")
        _add(chat, "chatClient", reporter.org_name)
        note = [f"Conversation id: {facts.conversation_id}"] if facts.conversation_id else []
        if facts.surface:
            note.append(f"Surface: {facts.surface}")
        if note:
            _add(chat, "additionalInfo", "\n".join(note))
    elif facts.surface:
        page = _add(_add(report, "internetDetails"), "webPageIncident")
        _add(
            page,
            "additionalInfo",
            f"Uploaded to {reporter.org_name} through its '{facts.surface}' surface",
        )


def build_report(facts: ReportFacts, reporter: Reporter) -> str:
    report = ET.Element("report")
    summary = _add(report, "incidentSummary")
    _add(summary, "incidentType", INCIDENT_TYPES[facts.incident])
    _add(summary, "platform", reporter.org_name)
    if facts.urgent:
        _add(
            summary,
            "escalateToHighPriority",
            "Child may be at imminent risk (sextortion in progress)"
            if facts.incident == "sextortion"
            else "Reviewer marked urgent",
        )
    if facts.incident == "sextortion":
        _add(_add(summary, "reportAnnotations"), "sextortion", "true")
    _add(summary, "incidentDateTime", _time(facts.incident_at))
    if facts.incident_at_basis:
        _add(summary, "incidentDateTimeDescription", facts.incident_at_basis)
    _internet_details(report, facts, reporter)

    who = _add(report, "reporter")
    person = _add(who, "reportingPerson")
    first, _, last = facts_name(reporter.contact_name)
    _add(person, "firstName", first)
    _add(person, "lastName", last)
    _add(person, "email", reporter.contact_email)
    if reporter.terms_of_service_url:
        _add(who, "termsOfService", reporter.terms_of_service_url)

    if facts.account_id or facts.screen_name or facts.uploads:
        reported = _add(report, "personOrUserReported")
        if facts.account_id:
            _add(reported, "espIdentifier", facts.account_id)
        _add(reported, "espService", reporter.org_name)
        if facts.screen_name:
            _add(reported, "screenName", facts.screen_name)
        for upload in facts.uploads:
            _ip_event(reported, "ipCaptureEvent", upload)
    if facts.victim_age is not None:
        victim = _add(report, "victim")
        _add(_add(victim, "victimPerson"), "age", str(facts.victim_age))

    lines = [f"Case {facts.case_id}, reviewed by {facts.reviewed_by}. {facts.summary}"]
    if facts.content_id:
        lines.append(f"Content id: {facts.content_id}")
    if facts.conversation_id:
        lines.append(f"Conversation id: {facts.conversation_id}")
    for f in facts.files:
        if f.preview_id is None:  # not uploaded: its hashes are only stated here
            lines += [
                f"{kind} of {f.file_name}: {value}"
                for kind, value in (("MD5", f.md5), ("PDQ", f.pdq))
                if value
            ]
        if f.matched_lists:
            lines.append(f"{f.file_name} matched: {', '.join(f.matched_lists)}")
    _add(report, "additionalInfo", "\n".join(lines))
    return _xml(report)


def facts_name(name: str) -> tuple[str, str, str]:
    first, sep, last = name.strip().partition(" ")
    return first or "Trust", sep, last or "Safety"


def build_file_details(report_id: str, file_id: str, reported: ReportedFile) -> str:
    details = ET.Element("fileDetails")
    _add(details, "reportId", report_id)
    _add(details, "fileId", file_id)
    _add(details, "fileName", reported.file_name)
    if reported.original_file_name:
        _add(details, "originalFileName", reported.original_file_name)
    upload = reported.upload or Upload()
    if upload.uploaded_at:
        _add(details, "uploadedToEspTimestamp", _time(upload.uploaded_at))
    _add(details, "fileViewedByEsp", "true" if reported.viewed else "false")
    if reported.publicly_available is not None:
        _add(details, "publiclyAvailable", "true" if reported.publicly_available else "false")
    if reported.classification:
        _add(details, "industryClassification", reported.classification)
    if reported.md5:
        _add(details, "originalFileHash", reported.md5).set("hashType", "MD5")
    _ip_event(details, "ipCaptureEvent", upload)
    hashes = [
        (kind, value) for kind, value in (("PDQ", reported.pdq), ("MD5", reported.md5)) if value
    ]
    if hashes:
        block = _add(details, "details")
        block.set("type", "HASH")
        for kind, value in hashes:
            pair = _add(block, "nameValuePair")
            _add(pair, "name", kind)
            _add(pair, "value", value)
    note = (
        "The uploaded file is a preview the platform supplied for review, re-encoded by "
        "us as JPEG (at most 1024 px, metadata removed); originalFileHash is the MD5 of "
        "the file as the platform received it."
    )
    if reported.matched_lists:
        note += f" It matched: {', '.join(reported.matched_lists)}."
    _add(details, "additionalInfo", note)
    return _xml(details)
