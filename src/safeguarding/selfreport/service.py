"""The self-report route's operations: submit, look up, withdraw (the hotline's decisions
are in selfreport/hotline.py). Each is one transaction
with its audit events; each refuses too many attempts before doing any costly work.

Limits are counted per client address and in all (auth/throttle.py's counters, keys under
`selfreport:`), never per case: someone who has seen a case number can slow themselves
down, not lock its owner out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from safeguarding.audit.events import Event
from safeguarding.audit.log import AuditLog
from safeguarding.auth.dummy import dummy_hash
from safeguarding.auth.throttle import LoginThrottle
from safeguarding.banks.model import NewEntry
from safeguarding.banks.store import BankStore, value_digest
from safeguarding.cases import records
from safeguarding.cases.model import Status as CaseStatus
from safeguarding.cases.service import CaseService
from safeguarding.config import Settings
from safeguarding.errors import AuthError, ConflictError, RateLimitedError
from safeguarding.feeds.outcomes import OutcomeStore
from safeguarding.matching.matcher import QuerySignal
from safeguarding.matching.result import MatchResult
from safeguarding.selfreport import codes, poisoning, reach, retention
from safeguarding.selfreport.hotline import Hotline
from safeguarding.selfreport.hotline import subject as hotline_subject
from safeguarding.selfreport.lists import ACTOR, Lists
from safeguarding.selfreport.model import (
    CLOSED,
    CaseView,
    Receipt,
    Status,
    Submission,
    parse_submission,
)
from safeguarding.selfreport.store import SelfReportStore
from safeguarding.store.db import Database
from safeguarding.store.models import utcnow

PREFIX = "selfreport:"
NOT_RECOGNISED = "that case number and PIN do not match a case: check them and try again"
SLOW_DOWN = "too many tries from here: try again in {minutes} minutes"
GUESSED = (
    "a lot of wrong case numbers and PINs are being tried here right now, so checking is "
    "paused for everyone: try again in {minutes} minutes (your report is safe)"
)
#: the statuses whose reports the spread check watches
SPREAD_WATCHED = (Status.RECEIVED, Status.UPLOAD_REQUESTED, Status.ACTIVE)
BUSY = "the portal is taking a lot of reports right now: try again in {minutes} minutes"


class SelfReports:
    def __init__(
        self,
        db: Database,
        banks: BankStore,
        audit: AuditLog,
        settings: Settings,
        *,
        cases: CaseService,
        match: Callable[[list[QuerySignal]], MatchResult],
        on_change: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = utcnow,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.db = db
        self.banks = banks
        self.audit = audit
        self.store = SelfReportStore()
        self.lists = Lists(
            banks,
            audit,
            waiting=settings.self_report_bank,
            approved=settings.self_report_approved_bank,
            held=settings.self_report_held_bank,
        )
        self.hotline = Hotline(self.lists, audit, cases, on_change=on_change)
        #: what subscribers of the approved bank's feed reported back (feeds/outcomes.py)
        self.outcomes = OutcomeStore(banks)
        self.spread_accounts = settings.self_report_spread_accounts
        self.spread_hours = settings.self_report_spread_hours
        self.global_guesses = settings.self_report_global_guesses
        self.retention = timedelta(days=settings.self_report_retention_days)
        self.cases = cases
        self.match = match
        self.max_files = settings.self_report_max_files
        self.max_guesses = settings.self_report_max_guesses
        self.address_submissions = settings.self_report_address_submissions
        self.global_submissions = settings.self_report_global_submissions
        self.window = timedelta(minutes=settings.self_report_window_minutes)
        self.throttle = LoginThrottle(
            max_failures=self.max_guesses,
            account_max_failures=self.max_guesses,
            window=self.window,
            prefixes=(PREFIX,),
        )
        self.on_change = on_change
        self.clock = clock
        self._hasher = hasher or PasswordHasher()
        # verified against for unknown case numbers, so timing does not tell
        self._dummy = dummy_hash(self._hasher, "00000000")

    def prepare(self) -> None:
        """The self-report banks, made if missing (`serve` starts with this when the portal
        is on): the approved bank's feed can be granted before the first report."""
        with self.db.write() as session:
            self.lists.ensure(session)

    # --- submit ------------------------------------------------------------------------
    def submit(self, body: object, address: str) -> Receipt:
        """Check the body, give the case a number and a PIN, and put its hashes in the
        self-report bank; all or nothing."""
        submission = parse_submission(body, max_files=self.max_files)
        keys = [f"{PREFIX}submit:{address[:100]}", f"{PREFIX}submit:*"]
        with self.db.read() as session:
            self._refuse(session, keys, BUSY)
        number, pin = codes.new_case_number(), codes.new_pin()
        pin_hash = self._hasher.hash(pin)  # outside the write transaction: it takes a while
        # what the hashes match in other banks, for the hotline (before they join a bank)
        found = self.match([QuerySignal(s.type, s.value, s.quality) for s in submission.signals])
        now = self.clock()
        with self.db.write() as session:
            self._refuse(session, keys, BUSY)
            if self.store.submitted(session, _digest(submission.submission_id)):
                raise ConflictError(
                    "this report was already received: it has its case number and PIN already"
                )
            self.throttle.forget_expired(session, now)
            self.throttle.count(session, keys[0], self.address_submissions, now)
            self.throttle.count(session, keys[1], self.global_submissions, now)
            case = self._store(session, submission, number, pin_hash, now, found)
        self.on_change()
        return Receipt(case.case_id, number, pin)

    def _store(
        self,
        session: Session,
        submission: Submission,
        number: str,
        pin_hash: str,
        now: datetime,
        found: MatchResult,
    ) -> CaseView:
        self.lists.ensure(session)
        signals = submission.signals
        held = poisoning.benign(session, self.banks, found)
        case = self.store.create(
            session,
            status=Status.HELD if held else Status.RECEIVED,
            number_digest=codes.number_digest(number),
            pin_hash=pin_hash,
            submission_digest=_digest(submission.submission_id),
            category=submission.category,
            files=len(submission.files),
            # the first file a value came from (two identical files share it)
            digests={
                key: i
                for i, file in reversed(list(enumerate(submission.files)))
                for key in ((s.type, value_digest(s.value)) for s in file)
            },
            now=now,
        )
        ref = f"self-report:{case.case_id}"
        entries = [
            NewEntry(
                s.type,
                s.value,
                s.quality,
                [submission.category.value],
                {"view": s.view} if s.view else {},
                ref,
            )
            for s in signals
        ]
        added, present = self.lists.add(session, case.status, entries)
        self.audit.record(
            session,
            ACTOR,
            Event.SELFREPORT_SUBMIT,
            ref,
            files=case.files,
            category=case.category.value,
            added=added,
            already_present=present,
            held=bool(held),
        )
        self.hotline.open_case(session, case, submission, found, held)
        return case

    # --- the owner's view --------------------------------------------------------------
    def status(self, case_number: object, pin: object, address: str) -> CaseView:
        number, typed_pin = codes.read_case_number(case_number), codes.read_pin(pin)
        key, everyone = f"{PREFIX}guess:{address[:100]}", f"{PREFIX}guess:*"
        with self.db.read() as session:
            self._refuse(session, [key], SLOW_DOWN)
            # a flood of wrong guesses from many addresses pauses every look-up a while
            # (never one case: nobody can lock a young person out of their own case)
            self._refuse(session, [everyone], GUESSED)
            found = self.store.find(session, codes.number_digest(number))
        # an unknown number costs the same hash as a known one, so timing does not tell
        if not self._verify(found.pin_hash if found else self._dummy, typed_pin) or not found:
            with self.db.write() as session:
                now = self.clock()
                self.throttle.forget_expired(session, now)
                self.throttle.count(session, key, self.max_guesses, now)
                self.throttle.count(session, everyone, self.global_guesses, now)
            raise AuthError(NOT_RECOGNISED)
        with self.db.read() as session:
            return self._shown(session, found.view)

    def _shown(self, session: Session, view: CaseView) -> CaseView:
        """The case as its owner sees it: `in review` while the hotline has it open, and
        where its hashes went."""
        status = view.status
        if status is Status.HELD:
            status = Status.IN_REVIEW  # a person checks it; why is for the hotline
        elif status is Status.RECEIVED and view.review_case is not None:
            case = records.review_state(session, view.review_case)
            if case is not None and (case[1] is not None or case[0] is CaseStatus.IN_REVIEW):
                status = Status.IN_REVIEW
        files = self.store.files(session, view.case_id)
        here = reach.local(
            session, self.banks, (self.lists.waiting, self.lists.approved), list(files)
        )
        subscribers, matched, removed = reach.reported(
            session, self.banks, self.outcomes, self.lists.approved, files
        )
        found = replace(
            here,
            platforms=here.platforms + subscribers,
            reported_matched=matched,
            reported_removed=removed,
        )
        closed = view.status in CLOSED
        return replace(
            view,
            status=status,
            reach=found,
            purged=closed
            and view.updated_at < self.clock() - self.retention
            and retention.purged(session, view.case_id),
        )

    def withdraw(self, case_number: object, pin: object, address: str) -> CaseView:
        """The case's hashes leave the bank at once (the index drops them on its next
        refresh, at once in this process); values another live report holds stay."""
        view = self.status(case_number, pin, address)
        digest = codes.number_digest(codes.read_case_number(case_number))
        with self.db.write() as session:
            found = self.store.find(session, digest, lock=True)
            assert found is not None  # cases are never deleted
            if found.view.status is Status.WITHDRAWN:
                return found.view
            removed = self.lists.leave(session, view.case_id, found.view.status)
            self.store.forget_hashes(session, view.case_id)
            view = self.store.set_status(session, view.case_id, Status.WITHDRAWN, self.clock())
            if view.review_case is not None:
                self.cases.close_in(session, view.review_case, ACTOR, "withdrawn by its owner")
            self.audit.record(
                session,
                ACTOR,
                Event.SELFREPORT_WITHDRAW,
                f"self-report:{view.case_id}",
                removed=removed,
            )
        self.on_change()
        return view

    # --- retention ----------------------------------------------------------------------
    def purge(self) -> tuple[int, int]:
        """Delete the hashes of reports closed more than `self_report_retention_days` ago
        (selfreport/retention.py; the worker runs it): (hotline evidence rows deleted,
        change-log values cleared)."""
        before = self.clock() - self.retention
        with self.db.write() as session:
            evidence, values = retention.purge(
                session,
                self.banks,
                (self.lists.waiting, self.lists.approved, self.lists.held),
                before,
            )
            if evidence or values:
                self.audit.record(
                    session,
                    ACTOR,
                    Event.SELFREPORT_PURGE,
                    "",
                    evidence=evidence,
                    log_values=values,
                    closed_before=before.isoformat(),
                )
        return evidence, values

    # --- the poisoning check ------------------------------------------------------------
    def check_spread(self) -> int:
        """Hold the reports that came in within `self_report_spread_hours` whose hashes
        uploads from `self_report_spread_accounts` accounts or more matched here (the
        worker runs it every poisoning.CHECK_SECONDS); how many it held."""
        now = self.clock()
        held = 0
        with self.db.read() as session:
            recent = self.store.since(
                session, now - timedelta(hours=self.spread_hours), SPREAD_WATCHED
            )
        for report in recent:
            with self.db.write() as session:
                current = self.store.find_id(session, report.case_id, lock=True)
                if current is None or current.status not in SPREAD_WATCHED:
                    continue
                banks = self.lists.bank_of(current.status)
                assert banks is not None
                found = poisoning.spread(
                    [
                        (m.case_id, m.occurrences, m.accounts)
                        for m in reach.matches_of(
                            session,
                            self.banks,
                            (banks[0],),
                            self.store.digests(session, current.case_id),
                        )
                    ]
                )
                why = poisoning.widely(found, self.spread_accounts)
                if why is None or "held" in records.evidence_kinds(
                    session, hotline_subject(current.case_id).content_id or ""
                ):
                    continue  # not spread, or the hotline released it from a hold already
                self.hotline.hold(
                    session, current, why, {"accounts": found.accounts, "uploads": found.uploads}
                )
                held += 1
        return held

    # --- helpers -----------------------------------------------------------------------
    def _refuse(self, session: Session, keys: list[str], message: str) -> None:
        now = self.clock()
        until = self.throttle.refused_until(session, keys, now)
        if until is not None:
            seconds = max(1, int((until - now).total_seconds()))
            raise RateLimitedError(message.format(minutes=-(-seconds // 60)), retry_after=seconds)

    def _verify(self, pin_hash: str, pin: str) -> bool:
        try:
            return self._hasher.verify(pin_hash, pin)
        except (VerificationError, InvalidHashError):
            return False


def _digest(submission_id: str) -> str:
    return hashlib.sha256(submission_id.encode()).hexdigest()
