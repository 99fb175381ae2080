"""The banks a self-report's hashes live in, by the report's status:

| status | bank (setting, default name) | action | published |
|---|---|---|---|
| received, upload requested | `self_report_bank` (`self-report`) | review | no |
| held (poisoning check) | `self_report_held_bank` (`self-report-held`) | off | no |
| active (approved) | `self_report_approved_bank` (`self-report-approved`) | block | as a feed |
| rejected, withdrawn | none | | tombstones |

A value two reports share stays in a bank while any report whose status keeps it there
holds it. Moving a report copies its entries into the new bank and takes out of the old one
the values no other report there holds, as bank changes: indexes and feeds follow the
banks' change log.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from safeguarding.audit.events import Event
from safeguarding.audit.log import AuditLog
from safeguarding.banks.model import Action, BankSource, NewEntry
from safeguarding.banks.policy import BankPolicy
from safeguarding.banks.store import BankStore
from safeguarding.errors import ConflictError, NotFoundError
from safeguarding.selfreport.model import PENDING, Status
from safeguarding.selfreport.store import SelfReportStore

ACTOR = "self-report"


class Lists:
    def __init__(
        self, banks: BankStore, audit: AuditLog, *, waiting: str, approved: str, held: str
    ) -> None:
        self.banks = banks
        self.audit = audit
        self.store = SelfReportStore()
        self.waiting, self.approved, self.held = waiting, approved, held

    def bank_of(self, status: Status) -> tuple[str, tuple[Status, ...]] | None:
        """The bank a report in `status` keeps its hashes in, and every status that keeps
        hashes there; None: in no bank."""
        if status in PENDING or status is Status.IN_REVIEW:
            return self.waiting, PENDING
        if status is Status.HELD:
            return self.held, (Status.HELD,)
        if status is Status.ACTIVE:
            return self.approved, (Status.ACTIVE,)
        return None

    def ensure(self, session: Session) -> None:
        """Each bank, made when the server starts with the portal on (selfreport.service.
        SelfReports.prepare), so a feed of the approved bank can be granted before any
        report arrives; an operator's own banks of these names are used as they are."""
        made = [
            self._ensure(
                session,
                self.waiting,
                Action.REVIEW,
                "Hashes young people reported through the self-report portal "
                "(/report-remove), waiting for the hotline: a match is reviewed, never blocked.",
            ),
            self._ensure(
                session,
                self.approved,
                Action.BLOCK,
                "Self-reported hashes the hotline approved for blocking: publish this bank "
                "as a feed to the platforms that take self-reports.",
            ),
            self._ensure(
                session,
                self.held,
                Action.REVIEW,
                "Self-reported hashes held for the hotline by the poisoning check (a known "
                "benign list, or matched widely soon after): off, so they match nowhere.",
            ),
        ]
        if made[2]:
            self.banks.update(session, self.held, {"enabled": False})

    def _ensure(self, session: Session, name: str, action: Action, description: str) -> bool:
        try:
            self.banks.get(session, name)
            return False
        except NotFoundError:
            pass
        policy = BankPolicy.of(action)
        try:
            self.banks.create(
                session,
                name=name,
                source=BankSource.SELF_REPORT,
                policy=policy,
                labels=[],
                created_by=ACTOR,
                description=description,
            )
        except ConflictError:
            return False  # another process starting at the same time made it

        self.audit.record(
            session,
            ACTOR,
            Event.BANK_CREATE,
            f"bank:{name}",
            source=BankSource.SELF_REPORT.value,
            policy={"action": policy.action.value},
        )
        return True

    def add(self, session: Session, status: Status, entries: list[NewEntry]) -> tuple[int, int]:
        """A new report's entries into the bank its status keeps them in."""
        found = self.bank_of(status)
        assert found is not None  # a new report is received or held
        return self.banks.add_entries(session, found[0], entries, ACTOR)

    def move(self, session: Session, report_id: int, old: Status, new: Status) -> int:
        """The report's hashes from the bank `old` keeps them in to the one `new` does (the
        caller sets the status); how many entries the new bank gained."""
        source, target = self.bank_of(old), self.bank_of(new)
        if source is None or target is None or source[0] == target[0]:
            return 0
        digests = self.store.digests(session, report_id)
        entries = self.banks.entries_with_digests(session, source[0], digests)
        added, _ = self.banks.add_entries(
            session,
            target[0],
            [
                NewEntry(
                    e.signal_type,
                    e.value,
                    e.quality,
                    e.labels,
                    e.metadata,
                    f"self-report:{report_id}",
                )
                for e in entries
            ],
            ACTOR,
        )
        self.banks.remove_digests(
            session, source[0], self.store.alone(session, report_id, source[1])
        )
        return added

    def leave(self, session: Session, report_id: int, status: Status) -> int:
        """The report's hashes leave the bank its status keeps them in (values another
        report there holds stay); how many entries left."""
        found = self.bank_of(status)
        if found is None:
            return 0
        return self.banks.remove_digests(
            session, found[0], self.store.alone(session, report_id, found[1])
        )
