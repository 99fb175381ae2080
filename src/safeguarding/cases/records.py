"""A case read from its rows as the domain's `Case`, in the caller's transaction. The case
service builds every answer with `to_case`; other packages that need a whole case (reports
state its facts and send its files) call `load` and `preview_files` instead of reading the
case's tables themselves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from safeguarding.cases import evidence
from safeguarding.cases.model import (
    Case,
    CaseKind,
    Classification,
    Decision,
    Evidence,
    Preview,
    Priority,
    Status,
    Subject,
)
from safeguarding.cases.tables import CaseEvidenceRow, CaseRow, PreviewRow
from safeguarding.store.models import as_utc, utcnow


def _classification(value: str | None) -> Classification | None:
    return Classification(value) if value else None


def _preview(row: PreviewRow) -> Preview:
    return Preview(
        id=row.id,
        media_type=row.media_type,
        file_name=row.file_name,
        md5=row.md5,
        expires_at=as_utc(row.expires_at) or utcnow(),
        original_md5=row.original_md5,
        classification=_classification(row.classification),
    )


def to_case(
    row: CaseRow, items: list[Evidence] | None = None, previews: list[PreviewRow] | None = None
) -> Case:
    """The case a row holds, with the evidence and previews the caller loaded (a queue
    page loads neither)."""
    return Case(
        id=row.id,
        kind=CaseKind(row.kind),
        priority=Priority(row.priority),
        status=Status(row.status),
        assignee=row.assignee,
        lease_until=as_utc(row.lease_until),
        subject=Subject(row.content_id, row.account_id, row.conversation_id),
        summary=row.summary,
        labels=list(row.labels),
        decision=Decision(row.decision) if row.decision else None,
        decision_reason=row.decision_reason,
        decided_by=row.decided_by,
        decided_at=as_utc(row.decided_at),
        classification=_classification(row.classification),
        version=row.version,
        due_at=as_utc(row.due_at) or utcnow(),
        created_at=as_utc(row.created_at) or utcnow(),
        updated_at=as_utc(row.updated_at) or utcnow(),
        preserve_until=as_utc(row.preserve_until),
        evidence=list(items or []),
        previews=[_preview(p) for p in previews or []],
    )


def load(session: Session, case_id: int) -> Case | None:
    """The whole case (evidence with its samples, previews without their bytes); None when
    there is no such case."""
    row = session.get(CaseRow, case_id)
    if row is None:
        return None
    previews = list(
        session.scalars(
            select(PreviewRow).where(PreviewRow.case_id == case_id).order_by(PreviewRow.id)
        )
    )
    return to_case(row, evidence.load(session, case_id), previews)


def preview_files(session: Session, case_id: int) -> dict[int, bytes]:
    """The stored bytes of each of a case's previews, by preview id (what a report sends)."""
    return {
        p.id: p.data
        for p in session.scalars(select(PreviewRow).where(PreviewRow.case_id == case_id))
    }


def review_state(session: Session, case_id: int) -> tuple[Status, str | None] | None:
    """A case's status and who worked it last (its assignee); None when there is none."""
    row = session.get(CaseRow, case_id)
    return (Status(row.status), row.assignee) if row is not None else None


@dataclass(frozen=True)
class EntryMatch:
    """Match evidence naming one of some bank entries, in a case opened by an upload."""

    case_id: int
    occurrences: int
    #: distinct accounts behind them (counted up to cases.evidence.MAX_TRACKED_ACCOUNTS)
    accounts: int
    action: str | None  # the bank policy's action when it matched
    decision: Decision | None


def entry_matches(session: Session, entry_ids: Sequence[int]) -> list[EntryMatch]:
    """Uploads that matched these bank entries (not a self-report's own case, which lists
    what the report matched when it came in)."""
    found: list[EntryMatch] = []
    for start in range(0, len(entry_ids), 1000):
        rows = session.execute(
            select(
                CaseEvidenceRow.case_id,
                CaseEvidenceRow.occurrences,
                CaseEvidenceRow.accounts,
                CaseEvidenceRow.data["action"].as_string(),
                CaseRow.decision,
            )
            .join(CaseRow, CaseRow.id == CaseEvidenceRow.case_id)
            .where(
                CaseEvidenceRow.kind == "match",
                CaseRow.kind != CaseKind.SELF_REPORT.value,
                CaseEvidenceRow.data["entry"].as_integer().in_(entry_ids[start : start + 1000]),
            )
        )
        found += [
            EntryMatch(c, int(n), int(k or 0), a, Decision(d) if d else None)
            for c, n, k, a, d in rows.all()
        ]
    return found


def drop_evidence(session: Session, content_ids: Sequence[str]) -> int:
    """Delete the evidence of every case about these content ids (its samples and accounts
    go with it); the cases themselves, their decisions and audit trail stay. How many
    evidence rows went."""
    gone = 0
    for start in range(0, len(content_ids), 1000):
        cases = select(CaseRow.id).where(CaseRow.content_id.in_(content_ids[start : start + 1000]))
        done = session.execute(delete(CaseEvidenceRow).where(CaseEvidenceRow.case_id.in_(cases)))
        gone += int(done.rowcount)  # type: ignore[attr-defined]
    return gone


def evidence_kinds(session: Session, content_id: str) -> set[str]:
    """The kinds of evidence every case about this content id ever held."""
    return set(
        session.scalars(
            select(CaseEvidenceRow.kind)
            .join(CaseRow, CaseRow.id == CaseEvidenceRow.case_id)
            .where(CaseRow.content_id == content_id)
            .distinct()
        )
    )
