"""NCMEC CyberTipline report XML (the ISPWS reporting API). Elements are written in the
order the schema's sequences require; `REPORT_ORDER` and `FILE_DETAILS_ORDER` list it.

Flow with the API: POST /submit (report XML) -> reportId; for each preserved file POST
/upload -> fileId, then POST /fileinfo (fileDetails XML); POST /finish -> done.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from safeguarding.reporting.document import ReportedFile, Reporter, ReportFacts

INCIDENT_TYPES = {
    "csam": "Child Pornography (possession, manufacture, and distribution)",
    "enticement": "Online Enticement of Children for Sexual Acts",
    "sextortion": "Online Enticement of Children for Sexual Acts",
}
REPORT_ORDER = ("incidentSummary", "internetDetails", "lawEnforcement", "reporter",
                "personOrUserReported", "intendedRecipient", "victim", "additionalInfo")
INCIDENT_SUMMARY_ORDER = ("incidentType", "platform", "escalateToHighPriority",
                          "reportAnnotations", "incidentDateTime",
                          "incidentDateTimeDescription")
FILE_DETAILS_ORDER = ("reportId", "fileId", "originalFileName", "locationOfFile",
                      "fileViewedByEsp", "exifViewedByEsp", "publiclyAvailable",
                      "fileRelevance", "fileAnnotations", "industryClassification",
                      "originalFileHash", "additionalInfo")


def _add(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    child = ET.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def _xml(root: ET.Element) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def build_report(facts: ReportFacts, reporter: Reporter) -> str:
    report = ET.Element("report")
    summary = _add(report, "incidentSummary")
    _add(summary, "incidentType", INCIDENT_TYPES[facts.incident])
    if facts.urgent:
        _add(summary, "escalateToHighPriority", "Child may be at imminent risk "
             "(sextortion in progress)" if facts.incident == "sextortion" else
             "Reviewer marked urgent")
    if facts.incident == "sextortion":
        _add(_add(summary, "reportAnnotations"), "sextortion")
    _add(summary, "incidentDateTime", facts.incident_at.isoformat(timespec="seconds"))

    who = _add(report, "reporter")
    person = _add(who, "reportingPerson")
    first, _, last = facts_name(reporter.contact_name)
    _add(person, "firstName", first)
    _add(person, "lastName", last)
    _add(person, "email", reporter.contact_email)
    if reporter.terms_of_service_url:
        _add(who, "termsOfService", reporter.terms_of_service_url)

    if facts.account_id:
        reported = _add(report, "personOrUserReported")
        _add(reported, "espIdentifier", facts.account_id)
        _add(reported, "espService", reporter.org_name)
    if facts.victim_age is not None:
        victim = _add(report, "victim")
        _add(_add(victim, "victimPerson"), "age", str(facts.victim_age))

    lines = [f"Case {facts.case_id}, reviewed by {facts.reviewed_by}. {facts.summary}"]
    if facts.content_id:
        lines.append(f"Content id: {facts.content_id}")
    if facts.conversation_id:
        lines.append(f"Conversation id: {facts.conversation_id}")
    for f in facts.files:
        if f.pdq:
            lines.append(f"PDQ of {f.file_name}: {f.pdq}")
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
    _add(details, "originalFileName", reported.file_name)
    _add(details, "fileViewedByEsp", "true")
    _add(details, "publiclyAvailable", "false")
    if reported.classification:
        _add(details, "industryClassification", reported.classification)
    if reported.md5:
        _add(details, "originalFileHash", reported.md5).set("hashType", "MD5")
    return _xml(details)
