"""The poisoning check (docs/self-report.md, threat model). Anyone can submit any picture's
hashes, so a hostile submitter may report a widely shared innocent picture (a meme, a logo,
a news photo) to have it blocked everywhere once approved, or only to flood the review
queue with its matches. Two signs hold a report for the hotline, its hashes in the held bank
(off: matched nowhere, published nowhere) until an analyst approves or rejects it:

- **at submission**, a hash on a known benign list: suppressed by the do-not-match list
  (hashes reviewers found were not abuse), or matching an entry or a bank labelled
  `benign` (a list of known innocent pictures an operator keeps);
- **soon after submission** (within `self_report_spread_hours`), uploads from
  `self_report_spread_accounts` or more distinct accounts here matching its hashes: a
  picture everyone has is more likely a poisoning than a young person's own. The worker
  looks every CHECK_SECONDS. An approved report held so leaves the approved bank, so
  subscribers get tombstones at their next fetch; a report the hotline released from a hold
  is not held again for its spread.

Holding never rejects: the hotline decides, with the reason in the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from safeguarding.banks.store import BankStore
from safeguarding.errors import NotFoundError
from safeguarding.matching.result import MatchResult

#: the label of an entry or a bank that lists known innocent pictures
BENIGN_LABEL = "benign"
#: how often the worker looks for reports matched widely since they came in
CHECK_SECONDS = 300.0


def benign(session: Session, banks: BankStore, found: MatchResult) -> str | None:
    """Why a new report's hashes are on a known benign list; None when they are not."""
    if found.suppressed:
        return "a hash is on the do-not-match list (reviewers found that picture was not abuse)"
    listed = {m.bank for m in found.matches if BENIGN_LABEL in m.labels}
    for name in sorted({m.bank for m in found.matches} - listed):
        try:
            if BENIGN_LABEL in banks.get(session, name).labels:
                listed.add(name)
        except NotFoundError:
            continue  # removed since it matched
    if listed:
        return f"a hash matches a known benign list ({', '.join(sorted(listed))})"
    return None


@dataclass(frozen=True)
class Spread:
    """How widely a report's hashes were matched here."""

    accounts: int  # distinct accounts behind the uploads (per case, summed)
    uploads: int


def spread(matches: list[tuple[int, int, int]]) -> Spread:
    """From (case, uploads, accounts) of each match evidence row: a case's upload matching
    a report's PDQ, MD5 and SHA-256 at once counts once."""
    uploads: dict[int, int] = {}
    accounts: dict[int, int] = {}
    for case_id, seen, by in matches:
        uploads[case_id] = max(uploads.get(case_id, 0), seen)
        accounts[case_id] = max(accounts.get(case_id, 0), by)
    return Spread(sum(accounts.values()), sum(uploads.values()))


def widely(found: Spread, limit: int) -> str | None:
    if found.accounts < limit:
        return None
    return (
        f"its hashes were matched here in uploads from {found.accounts} accounts soon after "
        "it came in, which a picture only its owner had seldom is"
    )


def recent(created_at: datetime, now: datetime, hours: int) -> bool:
    return (now - created_at).total_seconds() <= hours * 3600
