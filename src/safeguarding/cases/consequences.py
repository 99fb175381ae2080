"""What opening and deciding a case sets in motion, in the same transaction: webhooks to the
platform through the outbox, hashes to the confirmed bank or the do-not-match list,
evidence preservation, and report drafts. Then statuses move on as deliveries complete."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from safeguarding.audit.events import Event
from safeguarding.audit.log import AuditLog
from safeguarding.auth.users import User
from safeguarding.banks.model import BankSource, NewEntry
from safeguarding.banks.policy import BankPolicy
from safeguarding.banks.store import BankStore
from safeguarding.cases import records
from safeguarding.cases.intake import in_evidence
from safeguarding.cases.model import Case, CaseKind, CaseRequest, Decision, Evidence, Status
from safeguarding.cases.tables import CaseEvidenceRow, CaseRow, PreviewRow
from safeguarding.delivery.outbox import any_pending, enqueue, sent_payloads
from safeguarding.errors import ConflictError
from safeguarding.reporting.service import ReportService
from safeguarding.store.models import utcnow

WEBHOOK = "webhook"
#: the policy actions that remove the upload at once, without review
BLOCKING = ("block", "report")
#: selfreport.hotline.Hotline.decided: (session, the case's id, decision, reason, user)
SelfReportDecided = Callable[[Session, int, Decision, str, User], None]
#: a self-report's verdicts, as the hotline queue words them (selfreport/hotline.py)
SELF_REPORT_FORESEEN: dict[Decision, list[str]] = {
    Decision.CONFIRM: [
        "Approves the hashes for blocking: they move to the approved list, which blocks "
        "matches here and is published to every subscribed platform.",
        "The young person's status page shows it as active.",
    ],
    Decision.NEEDS_INFO: [
        "Asks the young person, on their status page, to send the images through the "
        "hotline's upload route so they can be graded. The hashes stay for review; the "
        "case stays open.",
    ],
    Decision.FALSE_POSITIVE: [
        "Rejects the report: its hashes leave the self-report list (values another open "
        "report holds stay). The status page says it was not taken forward.",
    ],
    Decision.ESCALATE: ["Not for self-reports: the hotline decides them."],
}

#: told, in the decision's transaction, the bank entries a confirmed (True) or false
#: positive (False) match case matched: (session, case id, case version, entry ids,
#: confirmed). The engine gives exchanges/feedback.py's, which sends the outcome upstream.
OnVerdict = Callable[[Session, int, int, Sequence[int], bool], object]
#: told, in the transaction that opens a match case, the bank entries whose policy blocked
#: the upload without review: (session, case id, entry ids). The engine gives
#: exchanges/feedback.py's, which counts them upstream as matched and removed.
OnBlocked = Callable[[Session, int, Sequence[int]], object]
#: whether a case's matches (its match evidence) are all of self-reported hashes, which
#: never enter the confirmed bank (selfreport/provenance.py), and what to say instead
SelfReported = Callable[[Session, Sequence[dict[str, Any]]], bool]


class WebhookEvent(StrEnum):
    """What the platform is told (docs/response.md): names it dispatches on, never rename."""

    OPENED = "case.opened"
    POLICY_ACTION = "case.policy_action"
    DECIDED = "case.decided"
    INFO_REQUESTED = "case.info_requested"


def query_signals(
    evidence: Iterable[CaseEvidenceRow | Evidence], *, every_view: bool = False
) -> list[tuple[str, str]]:
    """The (type, value) hashes of the content behind a case, as matched or reported; with
    `every_view`, also each view, crop, rotation and flip the evidence holds."""
    found: dict[tuple[str, str], None] = {}
    for item in evidence:
        pairs = list((item.data.get("query") or {}).items())
        if every_view:
            pairs += [
                (h.get("type"), h.get("value"))
                for h in item.data.get("hashes") or []
                if isinstance(h, dict)
            ]
        for signal_type, value in pairs:
            if isinstance(value, str) and in_evidence(signal_type):
                found[(signal_type, value)] = None
    return list(found)


def subject(row: CaseRow) -> dict[str, Any]:
    return {
        "case_id": row.id,
        "kind": row.kind,
        "content_id": row.content_id,
        "account_id": row.account_id,
        "conversation_id": row.conversation_id,
    }


class Consequences:
    def __init__(
        self,
        audit: AuditLog,
        bank_store: BankStore,
        reports: ReportService,
        *,
        webhooks: bool,
        preserve_for: timedelta,
        confirmed_bank: str,
        on_verdict: OnVerdict | None = None,
        on_blocked: OnBlocked | None = None,
        on_self_report: SelfReportDecided | None = None,
        self_reported: SelfReported | None = None,
        kept_out: str = "",
    ) -> None:
        #: what a hotline decision on a self-report sets off (selfreport/hotline.py): set
        #: by the engine, as selfreport/ builds on cases/ and not the other way round
        self.on_self_report = on_self_report
        self.self_reported = self_reported
        #: said instead of the confirmed bank's line when `self_reported` holds ({bank}: the
        #: confirmed bank's name)
        self.kept_out = kept_out.format(bank=confirmed_bank)
        self.audit = audit
        self.on_verdict = on_verdict
        self.on_blocked = on_blocked
        self.bank_store = bank_store
        self.reports = reports
        self.webhooks = webhooks
        self.preserve_for = preserve_for
        self.confirmed_bank = confirmed_bank

    def _send(
        self,
        session: Session,
        row: CaseRow,
        event: WebhookEvent,
        *,
        key: str | None = None,
        **payload: Any,
    ) -> None:
        if not self.webhooks:
            return
        enqueue(
            session,
            WEBHOOK,
            event,
            {**subject(row), **payload},
            key or f"case-{row.id}-v{row.version}-{event}",
            case_id=row.id,
        )

    def on_open(self, session: Session, row: CaseRow, request: CaseRequest, created: bool) -> None:
        if request.kind is CaseKind.SELF_REPORT:
            return  # nothing on the platform to act on: the hotline decides first
        blocked = [
            e.data["entry"]
            for e in request.evidence
            if e.kind == "match"
            and e.data.get("action") in BLOCKING
            and isinstance(e.data.get("entry"), int)
        ]
        if blocked and self.on_blocked:
            self.on_blocked(session, row.id, blocked)
        if request.immediate_actions:
            # once per piece of content: the same upload matching again (the platform
            # checking it twice, a bot re-posting it under the same id) asks for nothing new
            content = request.subject.content_id or row.content_id or None
            sent = sent_payloads(session, row.id, WebhookEvent.POLICY_ACTION)
            if all(payload.get("content_id") != content for payload in sent):
                digest = hashlib.sha256((content or "").encode()).hexdigest()[:32]
                self._send(
                    session,
                    row,
                    WebhookEvent.POLICY_ACTION,
                    key=f"case-{row.id}-policy-{digest}",
                    actions=request.immediate_actions,
                    priority=row.priority,
                    content_id=content,
                )
        elif created:
            self._send(session, row, WebhookEvent.OPENED, priority=row.priority)

    def on_decision(
        self,
        session: Session,
        row: CaseRow,
        evidence: list[CaseEvidenceRow],
        decision: Decision,
        reason: str,
        user: User,
    ) -> None:
        if row.kind == CaseKind.SELF_REPORT:
            if self.on_self_report is None:
                raise ConflictError("this instance takes no self-reports")
            self.on_self_report(session, row.id, decision, reason, user)
            return
        if decision in (Decision.CONFIRM, Decision.FALSE_POSITIVE) and self.on_verdict:
            matched = [
                e.data["entry"]
                for e in evidence
                if e.kind == "match" and isinstance(e.data.get("entry"), int)
            ]
            if matched:
                self.on_verdict(session, row.id, row.version, matched, decision is Decision.CONFIRM)
        if decision is Decision.CONFIRM:
            self._send(
                session,
                row,
                WebhookEvent.DECIDED,
                decision=decision.value,
                actions=self._actions(row),
                classification=row.classification,
            )
            self._preserve(session, row)
            if not self.keeps_out(session, evidence):
                self._bank_confirmed(session, row, evidence, user)
            case = records.load(session, row.id)
            assert case is not None  # the row being decided, locked by the caller
            self.reports.draft(session, case, user)
        elif decision is Decision.FALSE_POSITIVE:
            blocked = any(e.data.get("action") in BLOCKING for e in evidence)
            self._send(
                session,
                row,
                WebhookEvent.DECIDED,
                decision=decision.value,
                actions=["restore_content"] if blocked and row.content_id else [],
            )
            # every view of the file: its trimmed picture or a rotation matching again
            # would send the platform the same wrong removal
            for signal_type, value in query_signals(evidence, every_view=True):
                self.bank_store.add_do_not_match(
                    session, signal_type, value, f"case {row.id}: {reason}"[:2000], user.actor
                )
        elif decision is Decision.NEEDS_INFO:
            self._send(session, row, WebhookEvent.INFO_REQUESTED, question=reason)

    @staticmethod
    def _actions(row: CaseRow | Case) -> list[str]:
        subject = row.subject if isinstance(row, Case) else row
        actions = []
        if subject.content_id and row.kind != CaseKind.CONVERSATION:
            actions.append("remove_content")
        if subject.account_id:
            actions.append("restrict_account")
        return actions

    def keeps_out(self, session: Session, evidence: Sequence[CaseEvidenceRow | Evidence]) -> bool:
        """Whether a confirmation leaves the case's hashes out of the confirmed bank: every
        list it matched holds them only as self-reports, which stay their owner's to
        withdraw (docs/self-report.md)."""
        matches = [e.data for e in evidence if e.kind == "match"]
        return self.self_reported is not None and self.self_reported(session, matches)

    def foreseen(self, session: Session, case: Case) -> dict[Decision, list[str]]:
        """What each verdict would set off, in plain words, as `on_decision` does it: shown
        beside the decision buttons so a reviewer knows before they choose."""
        if case.kind is CaseKind.SELF_REPORT:
            return SELF_REPORT_FORESEEN
        said = {
            "remove_content": f"remove content {case.subject.content_id}",
            "restrict_account": f"restrict account {case.subject.account_id}",
        }
        confirm, wrong = [], []
        actions = [said[a] for a in self._actions(case)]
        if self.webhooks:
            confirm.append(
                "Tells the platform "
                + (" and ".join(actions) if actions else "the case is confirmed")
                + "."
            )
        hashes = query_signals(case.evidence)
        if hashes and self.keeps_out(session, case.evidence):
            confirm.append(self.kept_out)
        elif hashes:
            confirm.append(
                f"Adds the file's {len(hashes)} hash{'es' if len(hashes) > 1 else ''}"
                f" to the list {self.confirmed_bank!r}, so copies match from now on."
            )
        confirm += [
            f"Drafts a report to {a.upper()}; a senior approves it before it is sent."
            for a in self.reports.authorities
        ]
        confirm.append(f"Keeps the evidence for {self.preserve_for.days} days (preservation).")
        blocked = any(e.data.get("action") in BLOCKING for e in case.evidence)
        if self.webhooks:
            wrong.append(
                "Tells the platform "
                + (
                    f"to restore content {case.subject.content_id}."
                    if blocked and case.subject.content_id
                    else "nothing was wrong."
                )
            )
        if query_signals(case.evidence, every_view=True):
            wrong.append(
                "Puts the file's hashes on the do-not-match list, so it never matches again."
            )
        return {
            Decision.CONFIRM: confirm,
            Decision.FALSE_POSITIVE: wrong or ["Closes the case; nothing is sent."],
            Decision.ESCALATE: [
                "Passes the case to a senior reviewer (the escalated queue); nothing is sent."
            ],
            Decision.NEEDS_INFO: (
                [
                    "Asks the platform for more information: your reason is "
                    "the question. The case stays open."
                ]
                if self.webhooks
                else ["Keeps the case open, in review."]
            ),
        }

    def _preserve(self, session: Session, row: CaseRow) -> None:
        """Keep what the platform gave us for the legal preservation period."""
        row.preserve_until = utcnow() + self.preserve_for
        session.execute(
            update(PreviewRow)
            .where(PreviewRow.case_id == row.id)
            .values(expires_at=row.preserve_until)
        )

    def _bank_confirmed(
        self, session: Session, row: CaseRow, evidence: list[CaseEvidenceRow], user: User
    ) -> None:
        signals = query_signals(evidence)
        if not signals:
            return
        with contextlib.suppress(ConflictError):
            self.bank_store.create(
                session,
                name=self.confirmed_bank,
                description=("Content confirmed by a reviewer"),
                source=BankSource.LOCAL,
                policy=BankPolicy(),
                labels=["confirmed"],
                created_by="system",
            )
        entries = [
            NewEntry(t, v, None, ["confirmed"], {"case": row.id}, f"case:{row.id}")
            for t, v in signals
        ]
        added, _ = self.bank_store.add_entries(session, self.confirmed_bank, entries, user.actor)
        self.audit.record(
            session,
            user.actor,
            Event.BANK_ADD,
            f"bank:{self.confirmed_bank}",
            added=added,
            case=row.id,
        )

    def advance(self, session: Session, row: CaseRow) -> None:
        """decided -> actioned once every webhook for the case is out; actioned -> closed
        once every report is accepted (or withdrawn)."""
        if row.status == Status.DECIDED.value and not any_pending(session, row.id, WEBHOOK):
            row.status = Status.ACTIONED.value
            self.audit.record(session, "system", Event.CASE_ACTIONED, f"case:{row.id}")
        if row.status == Status.ACTIONED.value and self.reports.all_final(session, row.id):
            row.status = Status.CLOSED.value
            self.audit.record(session, "system", Event.CASE_CLOSED, f"case:{row.id}")
