"""Everything a reviewer needs beside a case, on one screen: the summary in plain words, the
lists that matched with their provenance, the account's other cases and decisions, and a
conversation's stored excerpts as a timeline with ages.

Read when the case is shown, in the same transaction as the case. The timeline holds only
what the conversation engine kept: excerpts of the few messages that showed a tactic,
never the whole chat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguarding.banks.model import Bank, BankEntry
from safeguarding.banks.store import BankStore
from safeguarding.cases import explain
from safeguarding.cases.model import OPEN_STATUSES, Case, CaseKind, Evidence
from safeguarding.cases.tables import CaseEvidenceRow, CaseRow
from safeguarding.conversation.store import ConversationStore
from safeguarding.delivery.outbox import for_case
from safeguarding.store.models import as_utc

#: the account's other cases listed (newest first); the count says how many there are
MAX_HISTORY = 20


@dataclass(frozen=True)
class ListMatched:
    """A hash list that matched, with where it and the matched entry came from."""

    bank: str
    source: str
    description: str
    created_by: str
    created_at: datetime | None
    labels: list[str]
    entries: list[int]
    signal_types: list[str]
    entry_added_by: str
    entry_added_at: datetime | None
    entry_labels: list[str]
    entry_ref: str | None
    how: str  # in plain words: "as an exact copy"


@dataclass(frozen=True)
class OtherCase:
    id: int
    kind: CaseKind
    status: str
    content_id: str | None
    decision: str | None
    decided_by: str | None
    created_at: datetime | None
    open: bool


@dataclass(frozen=True)
class TimelineItem:
    number: int  # from 1, as a person counts messages
    sender: str
    role: str  # "likely offender", "likely child", ""
    at: str | None
    excerpt: str | None  # None: purged, or kept before the alert and not shown
    tactics: list[str]  # plain labels


@dataclass(frozen=True)
class Sent:
    """Something the case set off through the outbox: a webhook to the platform, a report."""

    channel: str
    event: str
    actions: list[str]
    status: str  # pending, delivered, dead


@dataclass(frozen=True)
class Context:
    summary: str
    lists: list[ListMatched] = field(default_factory=list)
    history: list[OtherCase] = field(default_factory=list)
    history_total: int = 0
    #: other content of the same account in open cases
    open_content: list[str] = field(default_factory=list)
    timeline: list[TimelineItem] = field(default_factory=list)
    #: participant -> (age, "stated" or "platform")
    ages: dict[str, tuple[int | None, str | None]] = field(default_factory=dict)
    #: for conversation cases: the people in it, described ("Adult account u1 (stated 24)")
    people: dict[str, str] = field(default_factory=dict)
    #: what the case has set off so far, oldest first
    sent: list[Sent] = field(default_factory=list)


def gather(session: Session, case: Case, banks: BankStore) -> Context:
    matches = [e.data for e in case.evidence if e.kind == "match"]
    alerts = [e.data for e in case.evidence if e.kind == "alert"]
    ages = _ages(session, case.subject.conversation_id) if alerts else {}
    summary = summarise(case, case.evidence, ages)
    history, total = _history(session, case)
    open_content = sorted(
        {
            c.content_id
            for c in history
            if c.open and c.content_id and c.content_id != case.subject.content_id
        }
    )
    timeline, people = _timeline(alerts[-1], ages) if alerts else ([], {})
    sent = [
        Sent(r.channel, r.event, [str(a) for a in r.payload.get("actions") or []], r.status)
        for r in for_case(session, case.id)
    ]
    return Context(
        summary,
        _lists(session, banks, matches),
        history,
        total,
        open_content,
        timeline,
        ages,
        people,
        sent,
    )


def summarise(
    case: Case, evidence: list[Evidence], ages: dict[str, tuple[int | None, str | None]]
) -> str:
    """The case in one sentence, from its evidence (cases/explain.py)."""
    matches = [e.data for e in evidence if e.kind == "match"]
    alerts = [e.data for e in evidence if e.kind == "alert"]
    reports = [e for e in evidence if e.kind == "report"]
    if case.kind is CaseKind.CONVERSATION and alerts:
        return explain.conversation_summary(alerts[-1], ages)
    if matches:
        return explain.match_summary(matches)
    if reports:
        return explain.report_summary([r.data for r in reports], sum(r.count for r in reports))
    return case.summary


def summaries(session: Session, cases: list[Case]) -> dict[int, str]:
    """One sentence per case of a queue page, from one query over their evidence (and the
    ages each alerting conversation's state holds)."""
    found: dict[int, list[Evidence]] = {}
    rows = session.scalars(
        select(CaseEvidenceRow)
        .where(CaseEvidenceRow.case_id.in_([c.id for c in cases]))
        .order_by(CaseEvidenceRow.id)
    )
    for row in rows:
        found.setdefault(row.case_id, []).append(
            Evidence(row.kind, dict(row.data), count=row.occurrences)
        )
    return {
        c.id: summarise(
            c,
            found.get(c.id, []),
            _ages(session, c.subject.conversation_id) if c.kind is CaseKind.CONVERSATION else {},
        )
        for c in cases
    }


def _lists(session: Session, banks: BankStore, matches: list[dict[str, Any]]) -> list[ListMatched]:
    entries = {int(m["entry"]): m for m in matches if isinstance(m.get("entry"), int)}
    if not entries:
        return []
    by_bank: dict[str, list[tuple[BankEntry, Bank]]] = {}
    for entry, bank in sorted(
        banks.entries_with_banks(session, entries), key=lambda pair: (pair[1].name, pair[0].id)
    ):
        by_bank.setdefault(bank.name, []).append((entry, bank))
    found = []
    for pairs in by_bank.values():
        # one row per list: a file matches one listed image by PDQ, MD5 and SHA-256 at once
        entry, bank = pairs[0]
        matched = [entries[e.id] for e, _ in pairs]
        found.append(
            ListMatched(
                bank.name,
                bank.source,
                bank.description,
                bank.created_by,
                as_utc(bank.created_at),
                list(bank.labels),
                [e.id for e, _ in pairs],
                sorted({str(m.get("signal_type")) for m in matched}),
                entry.added_by,
                as_utc(entry.added_at),
                sorted({label for e, _ in pairs for label in e.labels}),
                entry.source_ref,
                explain.closeness(explain.best(matched)),
            )
        )
    return found


def _history(session: Session, case: Case) -> tuple[list[OtherCase], int]:
    account = case.subject.account_id
    if not account:
        return [], 0
    mine = select(CaseRow).where(CaseRow.account_id == account, CaseRow.id != case.id)
    rows = list(session.scalars(mine.order_by(CaseRow.id.desc()).limit(MAX_HISTORY)))
    total = (
        len(rows)
        if len(rows) < MAX_HISTORY
        else len(
            list(
                session.scalars(
                    select(CaseRow.id).where(CaseRow.account_id == account, CaseRow.id != case.id)
                )
            )
        )
    )
    open_values = [s.value for s in OPEN_STATUSES]
    return [
        OtherCase(
            r.id,
            CaseKind(r.kind),
            r.status,
            r.content_id,
            r.decision,
            r.decided_by,
            as_utc(r.created_at),
            r.status in open_values,
        )
        for r in rows
    ], total


def _ages(
    session: Session, conversation_id: str | None
) -> dict[str, tuple[int | None, str | None]]:
    row = ConversationStore().get(session, conversation_id) if conversation_id else None
    participants = (row.state or {}).get("participants", {}) if row is not None else {}
    return {
        str(name): (p.get("age"), p.get("age_source"))
        for name, p in participants.items()
        if isinstance(p, dict) and isinstance(p.get("age"), int)
    }


def _timeline(
    alert: dict[str, Any], ages: dict[str, tuple[int | None, str | None]]
) -> tuple[list[TimelineItem], dict[str, str]]:
    offender, child = alert.get("offender"), alert.get("child")
    roles = {offender: "likely offender", child: "likely child"}
    items = []
    for item in sorted(
        (e for e in alert.get("excerpts") or [] if isinstance(e, dict)),
        key=lambda e: int(e.get("index") or 0),
    ):
        sender = str(item.get("sender") or "")
        items.append(
            TimelineItem(
                int(item.get("index") or 0) + 1,
                sender,
                roles.get(sender, ""),
                item.get("ts"),
                item.get("excerpt"),
                [explain.tactic_label(t) for t in item.get("tactics") or {}],
            )
        )
    names = {str(n) for n in (offender, child, *(i.sender for i in items)) if n}
    people = {name: explain.person(name, *ages.get(name, (None, None))) for name in sorted(names)}
    return items, people
