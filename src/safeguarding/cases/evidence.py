"""A case's evidence, aggregated.

The same content can come back thousands of times (a file re-uploaded by a bot, a post
reported by everyone who saw it). Each piece of evidence has a key saying what makes two of
them the same (intake.py: a match to one bank entry by one file, a report of one category
about one subject, an alert of one tier); a repeat is counted on the first row (occurrences,
first and last seen, distinct accounts) and kept as a sample only if it is among the first
FIRST_SAMPLES or the last LAST_SAMPLES occurrences. So the case page, a report and the
tables stay the same size however often the content comes back, and a repeat does not
change what a reviewer decides on: only new evidence bumps the case version (service.py).

Each sample carries its ids and the platform's upload metadata (uploads.py); the metadata
is personal data, so `purge_uploads` clears it once the evidence retention period ends,
except for cases under evidence preservation (confirmed, to be reported);
`purge_franked_texts` does the same for the message texts of franked reports."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from safeguarding.cases.model import CaseRequest, Evidence, Sample
from safeguarding.cases.tables import (
    CaseEvidenceRow,
    CaseRow,
    EvidenceAccountRow,
    EvidenceSampleRow,
)
from safeguarding.store.models import as_utc, utcnow

FIRST_SAMPLES = 3
LAST_SAMPLES = 3
#: distinct accounts are counted exactly up to this many per piece of evidence, then shown
#: as "at least": enough to tell one uploader from a campaign, and bounded
MAX_TRACKED_ACCOUNTS = 1000


def evidence_key(*parts: object) -> str:
    """A stable key from the parts that make two pieces of evidence the same."""
    return json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def add(
    session: Session, case_id: int, item: Evidence, request: CaseRequest, now: datetime
) -> bool:
    """Record one occurrence of `item` on the case, in the caller's transaction (which holds
    the case's row lock). True when it is new evidence, False when it repeated known
    evidence and was only counted."""
    key = _digest(item.key) if item.key is not None else None
    row = None
    if key is not None:
        row = session.scalars(
            select(CaseEvidenceRow).where(
                CaseEvidenceRow.case_id == case_id, CaseEvidenceRow.group_key == key
            )
        ).first()
    new = row is None
    if row is None:
        row = CaseEvidenceRow(
            case_id=case_id,
            kind=item.kind,
            data=item.data,
            added_at=now,
            last_seen_at=now,
            group_key=key,
            occurrences=1,
            accounts=0,
        )
        session.add(row)
        session.flush()
    else:
        row.occurrences += 1
        row.last_seen_at = now
    _count_account(session, row, request.subject.account_id)
    _sample(session, row, request, now)
    return new


def _count_account(session: Session, row: CaseEvidenceRow, account_id: str | None) -> None:
    if not account_id or row.accounts >= MAX_TRACKED_ACCOUNTS:
        return
    digest = _digest(account_id)
    if session.get(EvidenceAccountRow, (row.id, digest)) is None:
        session.add(EvidenceAccountRow(evidence_id=row.id, account_digest=digest))
        row.accounts += 1


def _sample(session: Session, row: CaseEvidenceRow, request: CaseRequest, now: datetime) -> None:
    upload = request.upload.as_dict()
    session.add(
        EvidenceSampleRow(
            evidence_id=row.id,
            seen_at=now,
            account_id=request.subject.account_id,
            content_id=request.subject.content_id,
            upload=upload or None,
            details=request.details,
        )
    )
    if row.occurrences <= FIRST_SAMPLES + LAST_SAMPLES:
        return
    session.flush()
    ids = list(
        session.scalars(
            select(EvidenceSampleRow.id)
            .where(EvidenceSampleRow.evidence_id == row.id)
            .order_by(EvidenceSampleRow.id)
        )
    )
    for doomed in ids[FIRST_SAMPLES:-LAST_SAMPLES]:
        session.delete(session.get(EvidenceSampleRow, doomed))


def load(session: Session, case_id: int) -> list[Evidence]:
    rows = session.scalars(
        select(CaseEvidenceRow)
        .where(CaseEvidenceRow.case_id == case_id)
        .options(selectinload(CaseEvidenceRow.samples))
        .order_by(CaseEvidenceRow.id)
    )
    return [to_evidence(row) for row in rows]


def to_evidence(row: CaseEvidenceRow) -> Evidence:
    first = as_utc(row.added_at)
    return Evidence(
        row.kind,
        dict(row.data),
        row.id,
        first,
        row.group_key,
        row.occurrences,
        as_utc(row.last_seen_at) or first,
        row.accounts,
        [
            Sample(
                as_utc(s.seen_at) or utcnow(),
                s.account_id,
                s.content_id,
                dict(s.upload or {}),
                dict(s.details or {}),
            )
            for s in row.samples
        ],
    )


def purge_franked_texts(session: Session, retention: timedelta, now: datetime | None = None) -> int:
    """Clear the message texts of franked reports that arrived more than `retention` ago,
    except on cases under evidence preservation: the rest of the evidence (who, when, which
    messages, their commitments, the hashes) stays. Returns how many reports were cleared."""
    now = now or utcnow()
    preserved = select(CaseRow.id).where(CaseRow.preserve_until > now)
    rows = session.scalars(
        select(CaseEvidenceRow)
        .where(
            CaseEvidenceRow.kind == "franked_report",
            CaseEvidenceRow.added_at < now - retention,
            CaseEvidenceRow.case_id.not_in(preserved),
        )
        .with_for_update()
    )
    cleared = 0
    for row in rows:
        if row.data.get("texts_cleared_at"):
            continue
        messages = [{**m, "text": None} for m in row.data.get("messages", [])]
        row.data = {**row.data, "messages": messages, "texts_cleared_at": now.isoformat()}
        cleared += 1
    return cleared


def purge_uploads(session: Session, retention: timedelta, now: datetime | None = None) -> int:
    """Clear the upload metadata of samples older than `retention`, except on cases under
    evidence preservation. Returns how many samples were cleared."""
    now = now or utcnow()
    preserved = select(CaseRow.id).where(CaseRow.preserve_until > now)
    held = select(CaseEvidenceRow.id).where(CaseEvidenceRow.case_id.in_(preserved))
    result = session.execute(
        update(EvidenceSampleRow)
        .where(
            EvidenceSampleRow.upload.is_not(None),
            EvidenceSampleRow.seen_at < now - retention,
            EvidenceSampleRow.evidence_id.not_in(held),
        )
        .values(upload=None)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
