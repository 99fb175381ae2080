"""The closed sets of reports. Their values are stored (`reports.status`): persistent keys,
never renamed."""

from __future__ import annotations

from enum import StrEnum


class ReportStatus(StrEnum):
    """draft -> approved (a senior reviewer) -> submitting (the authority gave it an id) ->
    accepted, or rejected by the authority; a draft may be withdrawn instead."""

    DRAFT = "draft"
    APPROVED = "approved"
    SUBMITTING = "submitting"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


#: the one list of final states: nothing more will happen to the report
FINAL = frozenset({ReportStatus.ACCEPTED, ReportStatus.REJECTED, ReportStatus.WITHDRAWN})
