"""How long a closed self-report keeps its hashes: `self_report_retention_days` after it
closed (withdrawn by its owner, or not taken further by the hotline), then `purge` deletes
them and keeps only what the owner's status page needs: the case number (as its digest),
the PIN's hash, the status, the category, the number of files and the dates.

Where a closed report's hashes still are when it closes, and what the purge does:
- its bank entries and its list of which values it held: gone at closing already
  (selfreport/lists.py, SelfReportStore.forget_hashes);
- its hotline cases' evidence (the hashes the analyst saw, and what they matched): deleted;
  the cases stay, closed, with their decisions and audit trail (which never held hashes);
- the banks' change log, which keeps a removed entry's value so a feed's tombstone can name
  it: cleared for every removal from the self-report banks older than the retention. A
  subscriber that has not fetched the feed for that long misses those tombstones.

The worker runs it every `CHECK_SECONDS`; `safeguarding cases purge` runs it too.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from safeguarding.banks.store import BankStore
from safeguarding.cases import records
from safeguarding.selfreport.hotline import subject
from safeguarding.selfreport.store import SelfReportStore

CHECK_SECONDS = 3600


def purge(
    session: Session, banks: BankStore, bank_names: tuple[str, ...], before: datetime
) -> tuple[int, int]:
    """Delete the hashes of the reports closed before `before`: (hotline evidence rows
    deleted, change-log values cleared). Reports purged already cost one query each."""
    closed = SelfReportStore().closed_before(session, before)
    evidence = records.drop_evidence(
        session, [subject(report_id).content_id or "" for report_id in closed]
    )
    return evidence, banks.forget_removed_values(session, bank_names, before)


def purged(session: Session, report_id: int) -> bool:
    """Whether a closed report's hashes are gone (its hotline cases hold no evidence)."""
    return not records.evidence_kinds(session, subject(report_id).content_id or "")


def cutoff(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)
