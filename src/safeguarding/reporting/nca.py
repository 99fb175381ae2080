"""UK National Crime Agency report of detected child sexual exploitation and abuse content
(Online Safety Act 2023, s.66): a JSON document with what the reporting regulations ask
for: the provider, when and how the content was detected, the content and account
references, hashes, and whether a child may be at immediate risk."""

from __future__ import annotations

import json

from safeguarding.reporting.document import Reporter, ReportFacts

NCA_CATEGORIES = {
    "csam": "csea_content",
    "enticement": "grooming",
    "sextortion": "sexual_extortion",
}


def build_report(facts: ReportFacts, reporter: Reporter) -> str:
    document = {
        "schema": "safeguarding.nca-report/1",
        "provider": {
            "name": reporter.org_name,
            "contact_name": reporter.contact_name,
            "contact_email": reporter.contact_email,
        },
        "category": NCA_CATEGORIES[facts.incident],
        "immediate_risk_to_child": facts.urgent,
        "incident_at": facts.incident_at.isoformat(timespec="seconds"),
        "incident_at_basis": facts.incident_at_basis,
        "detected_at": (facts.detected_at or facts.incident_at).isoformat(timespec="seconds"),
        "detection": facts.summary,
        "provider_reference": f"case-{facts.case_id}",
        "reported_user": {"account_id": facts.account_id, "screen_name": facts.screen_name}
        if facts.account_id or facts.screen_name
        else None,
        "content": {"content_id": facts.content_id, "conversation_id": facts.conversation_id},
        "victim": {"age": facts.victim_age} if facts.victim_age is not None else None,
        "files": [
            {
                "file_name": f.original_file_name or f.file_name,
                "md5": f.md5,
                "pdq": f.pdq,
                "classification": f.classification,
                "matched_lists": f.matched_lists,
                "viewed_by_reviewer": f.viewed,
            }
            for f in facts.files
        ],
        "reviewed_by": facts.reviewed_by,
    }
    return json.dumps(document, indent=2, sort_keys=True)
