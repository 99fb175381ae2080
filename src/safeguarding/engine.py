"""The engine: the domain services wired to one database. The library's entry point, and
what the API, the pages and the CLI are built on: every service is an attribute of it
(`engine.cases`, `engine.outbox` ...), built here and nowhere else."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from safeguarding.audit.checkpoint import Checkpoint
from safeguarding.audit.keys import AuditKey
from safeguarding.audit.log import AuditLog
from safeguarding.auth.keys import ApiKeys
from safeguarding.auth.sessions import WebSessions
from safeguarding.auth.throttle import LoginThrottle
from safeguarding.auth.users import Users
from safeguarding.banks.service import BankService
from safeguarding.cases import intake
from safeguarding.cases.consequences import WEBHOOK, Consequences
from safeguarding.cases.model import Subject
from safeguarding.cases.previews import Previews
from safeguarding.cases.records import to_case
from safeguarding.cases.service import CaseService, Opened
from safeguarding.cases.uploads import UploadInfo
from safeguarding.cases.wellbeing import Wellbeing
from safeguarding.config import Settings
from safeguarding.conversation.analyzer import ConversationAnalyzer, Limits
from safeguarding.conversation.loader import load_detector
from safeguarding.conversation.service import ConversationService
from safeguarding.delivery.outbox import Delivery, Outbox
from safeguarding.delivery.webhooks import WebhookSender
from safeguarding.delivery.worker import Periodic, Worker
from safeguarding.errors import InvalidInputError, MediaError
from safeguarding.exchanges.feedback import CHANNEL as FEEDBACK_CHANNEL
from safeguarding.exchanges.feedback import ExchangeFeedback
from safeguarding.exchanges.fetcher import Fetcher
from safeguarding.exchanges.http import HttpLimits
from safeguarding.exchanges.schedule import Backoff
from safeguarding.exchanges.service import ExchangeService
from safeguarding.exchanges.vault import Vault
from safeguarding.exchanges.worker import ExchangeWorker
from safeguarding.feeds.publisher import FeedService
from safeguarding.feeds.signing import FeedKey
from safeguarding.franking import FrankingService, KeyFile
from safeguarding.franking.service import ContentMatch
from safeguarding.hashing.hasher import ContentHashes, hash_bytes, hash_file
from safeguarding.imagery import Finding, NewImagery, detector_for
from safeguarding.insights import transparency
from safeguarding.insights.counters import MatchCounters, Surface, Tally, surface_of
from safeguarding.matching.matcher import Matcher, QuerySignal, query_from_hashes
from safeguarding.matching.result import MatchResult
from safeguarding.media.limits import MediaLimits
from safeguarding.reporting.clients import CyberTiplineClient, NcaClient
from safeguarding.reporting.document import Reporter
from safeguarding.reporting.service import REPORT_CHANNEL, ReportService
from safeguarding.selfreport import SelfReports, poisoning, provenance, retention
from safeguarding.store.db import Database
from safeguarding.store.periods import Period

if TYPE_CHECKING:
    from safeguarding.device.images import NudityDetector


class _ReportClients:
    """Submission clients, made when a report is sent (so settings read at that time)."""

    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None) -> None:
        self.settings = settings
        self.transport = transport

    def ncmec(self) -> CyberTiplineClient:
        s = self.settings
        return CyberTiplineClient(
            s.ncmec_url, s.ncmec_username, s.ncmec_password, transport=self.transport
        )

    def nca(self) -> NcaClient:
        return NcaClient(self.settings.nca_url, self.settings.nca_token, transport=self.transport)


class Engine:
    """The domain services over one database, as the API, the pages and the CLI use them.

    It never creates or migrates the database: one that `safeguarding db upgrade` has not
    made, or that is at another schema, is refused with DatabaseNotReadyError naming that
    command. `report_transport` carries report submissions (tests pass a fake authority)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        report_transport: httpx.BaseTransport | None = None,
        image_detector: NudityDetector | None = None,
        password_hasher: PasswordHasher | None = None,
    ) -> None:
        """`image_detector`: the new-imagery detector, instead of the one the
        `new_imagery_detector` setting names (tests pass the test double).
        `password_hasher`: argon2 with other parameters than argon2-cffi's defaults for
        reviewers' passwords and self-report PINs (tests not about hashing pass cheap ones:
        a default hash is ~0.2 s of CPU)."""
        self.settings = settings or Settings()
        s = self.settings
        detector = image_detector or detector_for(s.new_imagery_detector)
        # the key first: a bad key file is told before any database is opened
        key = AuditKey.load(s.audit_key_file) if s.audit_key_file else None
        vault = Vault(s.exchange_key.get_secret_value() if s.exchange_key else None)
        feed_key = FeedKey.load(s.feed_key_file) if s.feed_key_file else None
        franking_keys = KeyFile(s.franking_key_file) if s.franking_key_file else None
        previous_feed_key = (
            FeedKey.load(s.feed_previous_key_file, "feed_previous_key_file")
            if s.feed_previous_key_file
            else None
        )
        self.db = Database(self.settings.database_url)
        try:
            self.db.check_current()
        except BaseException:
            self.db.dispose()
            raise
        self.audit = AuditLog(key, s.audit_checkpoint_file)
        self.limits = MediaLimits.from_settings(self.settings)
        self.banks = BankService(self.db, audit=self.audit)
        self.keys = ApiKeys(self.db, self.audit, cache_seconds=s.api_key_cache_seconds)
        self.matcher = Matcher(
            self.db,
            refresh_seconds=self.settings.index_refresh_seconds,
            settings=self.settings,
            store=self.banks.store,
            snapshot_dir=Path(self.settings.index_dir) if self.settings.index_dir else None,
        )
        self.banks.on_change(self.matcher.mark_dirty)
        #: what every match adds to the transparency counters (insights/counters.py)
        self.counters = MatchCounters(self.db, s.counter_flush_seconds)
        self.exchanges = ExchangeService(
            self.db,
            vault,
            default_interval=s.exchange_interval_seconds,
            confirmed_bank=s.confirmed_bank,
            banks=self.banks.store,
            audit=self.audit,
            on_change=self.matcher.mark_dirty,
        )
        self.fetcher = Fetcher(
            self.db,
            self.exchanges,
            audit=self.audit,
            confirmed_bank=s.confirmed_bank,
            limits=HttpLimits(s.exchange_max_bytes, s.exchange_timeout_seconds),
            backoff=Backoff(s.exchange_backoff_seconds, s.exchange_backoff_max_seconds),
            on_change=self.matcher.mark_dirty,
        )
        #: reviewers' outcomes sent back to the exchanges that listed what matched
        self.exchange_feedback = ExchangeFeedback(self.exchanges, self.banks.store, self.fetcher)
        self.feeds = FeedService(self.db, self.banks.store, self.audit, feed_key, previous_feed_key)
        self._response_side(report_transport, password_hasher)
        self.imagery = NewImagery(
            detector, self.cases, lambda data: self.hash_bytes(data).primary()
        )
        self.franking = FrankingService(
            franking_keys,
            self.cases,
            self.previews,
            self.match_content,
            self.imagery,
            lambda: self.conversations.analyzer,
        )
        self.self_reports = SelfReports(
            self.db,
            self.banks.store,
            self.audit,
            self.settings,
            cases=self.cases,
            match=self.match_signals,
            on_change=self.matcher.mark_dirty,
            hasher=password_hasher,
        )

    def _response_side(
        self, report_transport: httpx.BaseTransport | None, hasher: PasswordHasher | None
    ) -> None:
        """Reviewers and their sessions, reports, cases with their consequences, previews,
        and the outbox with its webhook and report channels."""
        s = self.settings
        self.users = Users(
            self.db,
            self.audit,
            LoginThrottle(
                max_failures=s.login_max_failures,
                account_max_failures=s.login_account_max_failures,
                window=timedelta(minutes=s.login_lockout_minutes),
            ),
            hasher=hasher,
        )
        self.sessions = WebSessions(
            self.db,
            self.audit,
            idle=timedelta(minutes=s.web_session_idle_minutes),
            lifetime=timedelta(hours=s.web_session_hours),
        )
        reporter = Reporter(s.report_org_name, s.report_contact_name, s.report_contact_email)
        clients = _ReportClients(s, report_transport)
        self.reports = ReportService(
            self.db,
            self.audit,
            reporter,
            list(s.report_authorities),
            lambda: clients,
            resume_window=timedelta(minutes=s.ncmec_resume_minutes),
        )
        self.cases = CaseService(
            self.db,
            self.audit,
            Consequences(
                self.audit,
                self.banks.store,
                self.reports,
                webhooks=bool(s.webhook_url),
                preserve_for=timedelta(days=s.evidence_preservation_days),
                confirmed_bank=s.confirmed_bank,
                on_verdict=self.exchange_feedback.on_verdict,
                on_blocked=self.exchange_feedback.on_blocked,
                # the hotline's decisions on self-reports (selfreport/hotline.py)
                on_self_report=lambda *decided: self.self_reports.hotline.decided(*decided),
                # a self-reported hash stays its owner's to withdraw: never confirmed here
                self_reported=lambda session, matches: provenance.only_self_reported(
                    session, self.banks.store, matches
                ),
                kept_out=provenance.KEPT_OUT,
            ),
            upload_retention=timedelta(days=s.preview_retention_days),
            lease_idle=timedelta(minutes=s.review_lease_minutes),
        )
        self.previews = Previews(
            self.db, self.audit, self.limits, timedelta(days=s.preview_retention_days)
        )
        #: reviewers' viewing settings and reveal counts (cases/wellbeing.py)
        self.wellbeing = Wellbeing(self.db, self.audit)
        self.outbox = Outbox(self.db, self.audit, max_attempts=s.webhook_max_attempts)
        if s.webhook_url and s.webhook_secret:
            sender = WebhookSender(s.webhook_url, s.webhook_secret)
            self.outbox.handle(
                WEBHOOK,
                lambda d: sender.send(d.event, d.payload, d.idempotency_key),
                self._delivered,
            )
        # each report stands alone: one failing never holds back another
        self.outbox.handle(REPORT_CHANNEL, self.reports.deliver, self._delivered, ordered=False)
        # each outcome stands alone too; none changes a case's status
        self.outbox.handle(FEEDBACK_CHANNEL, self.exchange_feedback.deliver, ordered=False)

    def _delivered(self, session: Session, delivery: Delivery) -> None:
        if delivery.case_id is not None:
            self.cases.outcome_delivered(session, delivery.case_id)

    @cached_property
    def conversations(self) -> ConversationService:
        """Built on first use: loading the embedding model takes a few seconds."""
        s = self.settings
        analyzer = ConversationAnalyzer(
            load_detector(s.conversation_model), Limits.from_settings(s)
        )
        return ConversationService(
            self.db,
            analyzer,
            self.audit,
            excerpt_retention=timedelta(days=s.conversation_excerpt_retention_days),
            pending_excerpt_retention=timedelta(hours=s.conversation_pending_excerpt_hours),
            on_alert=lambda session, assessment: self.cases.open_in(
                session, intake.from_alert(assessment), "system"
            ),
        )

    def hash_bytes(
        self, data: bytes, *, source: str | None = None, dihedral: bool = False
    ) -> ContentHashes:
        return hash_bytes(data, self.limits, source=source, dihedral=dihedral)

    def hash_for_bank(self, data: bytes, *, source: str | None = None) -> ContentHashes:
        """Hashes to store in a bank: with centre crops when `bank_crop_hashes` is on."""
        return hash_bytes(data, self.limits, source=source, crops=self.settings.bank_crop_hashes)

    def hash_file(self, path: Path, *, dihedral: bool = False) -> ContentHashes:
        return hash_file(path, self.limits, dihedral=dihedral)

    # Every match below is counted (insights/counters.py). Given a `tally`, the counts are
    # added to it for the caller to count once per request (`counters.add`, which gathers a
    # process's counts and writes them every `counter_flush_seconds`); without one, each call
    # adds its own. An item that opens a case is counted in the case's
    # transaction instead, so a case is never without its count.
    def match_hashes(
        self, hashes: ContentHashes, *, surface: str | None = None, tally: Tally | None = None
    ) -> MatchResult:
        signals = query_from_hashes(hashes)
        return self.match_signals(signals, surface=surface, tally=tally)

    def match_bytes(
        self,
        data: bytes,
        *,
        source: str | None = None,
        surface: str | None = None,
        tally: Tally | None = None,
    ) -> tuple[ContentHashes, MatchResult]:
        hashes = self.hash_bytes(data, source=source, dihedral=True)
        return hashes, self.match_hashes(hashes, surface=surface, tally=tally)

    def match_signals(
        self,
        signals: list[QuerySignal],
        *,
        surface: str | None = None,
        tally: Tally | None = None,
    ) -> MatchResult:
        """Match one item's signals; `surface`: the upload's, as the platform names it."""
        result = self.matcher.match(signals)
        counted = Tally()
        counted.add(result, (s.type for s in signals), surface_of(surface))
        self._settle(counted, tally)
        return result

    def _settle(self, counted: Tally, tally: Tally | None) -> None:
        if tally is not None:
            tally.merge(counted)
        else:
            self.counters.add(counted)

    def match_content(self, data: bytes) -> ContentMatch:
        """Hash and match content as an upload is (`match_bytes`), opening no case: its
        hashes as a case keeps them, the result, and on a match every view's hash. Bytes
        that are not media we decode are matched by their MD5 and SHA-256. Counted under
        the surface `message`: franked reports' attachments come from messages."""
        surface = Surface.MESSAGE.value
        try:
            hashes, result = self.match_bytes(data, surface=surface)
        except MediaError:
            query = {
                "md5": hashlib.md5(data).hexdigest(),  # noqa: S324 (NCMEC's hash)
                "sha256": hashlib.sha256(data).hexdigest(),
            }
            signals = [QuerySignal(t, v) for t, v in query.items()]
            return query, self.match_signals(signals, surface=surface), None
        if not result.matched:
            return hashes.primary(), result, None
        every = hash_bytes(data, self.limits, dihedral=True, crops=True).every_hash()
        return hashes.primary(), result, every

    def add_preview(
        self, case_id: int, data: bytes, file_name: str, actor: str
    ) -> tuple[int, Finding | None]:
        """Keep a review upload as the case's preview, then score it for possibly new
        imagery (imagery/service.py): the preview id and the detector's finding, if any."""
        preview = self.previews.add(case_id, data, file_name, actor)
        return preview, self.imagery.after_preview(case_id, data, file_name, actor)

    def open_match_case(
        self,
        result: MatchResult,
        query: dict[str, str],
        subject: Subject,
        upload: UploadInfo | None = None,
        every_hash: list[dict[str, str | None]] | None = None,
        *,
        counted: Tally | None = None,
    ) -> Opened | None:
        """Open (or join) the case a match asks for; None when nothing matched. `upload`:
        the platform's metadata about this upload, kept with the evidence's samples;
        `every_hash`: all hashes of the content (ContentHashes.every_hash), kept with the
        evidence so a false positive puts every view of it on the do-not-match list;
        `counted`: the match's counts, written in the case's transaction when it opens one
        (and left to the caller when it returns None)."""
        item = intake.MatchToOpen(result, query, subject, upload, every_hash)
        return self.open_match_cases([item], counted=counted)[0]

    def open_match_cases(
        self, items: Sequence[intake.MatchToOpen], *, counted: Tally | None = None
    ) -> list[Opened | None]:
        """`open_match_case` for several contents in one write transaction (a backfill's
        partition: a transaction per case was most of its driver's time); `counted`: all
        their counts, written there when any case opens (else left to the caller)."""
        requests = [
            intake.from_match(i.result, i.query, i.subject, i.upload, i.every_hash) for i in items
        ]
        if not any(requests):
            return [None] * len(items)
        opened: list[Opened | None] = []
        with self.db.write() as session:
            for request in requests:
                if request is None:
                    opened.append(None)
                    continue
                row, created = self.cases.open_in(session, request, "system")
                session.flush()
                opened.append(Opened(to_case(row), created))
            if counted is not None:
                self.counters.write(session, counted)  # last: its rows' locks held briefly
        return opened

    def match_and_open(
        self,
        signals: list[QuerySignal],
        subject: Subject | None,
        upload: UploadInfo | None = None,
        *,
        query: dict[str, str] | None = None,
        every_hash: list[dict[str, str | None]] | None = None,
        tally: Tally | None = None,
    ) -> tuple[MatchResult, Opened | None]:
        """Match one item and, with a subject, open (or join) its case: the item's counts go
        with the case when one opens, else to `tally` (or a write of their own)."""
        counted = Tally()
        surface = upload.surface if upload else None
        result = self.match_signals(signals, surface=surface, tally=counted)
        opened = None
        if subject is not None and result.matched:
            if query is None:
                query = intake.evidence_query((s.type, s.value) for s in signals)
            opened = self.open_match_case(
                result, query, subject, upload, every_hash, counted=counted
            )
        if opened is None:
            self._settle(counted, tally)
        return result, opened

    def match_upload(
        self,
        data: bytes,
        *,
        source: str | None = None,
        content_id: str | None = None,
        account_id: str | None = None,
        upload: UploadInfo | None = None,
        tally: Tally | None = None,
    ) -> tuple[ContentHashes, MatchResult, Opened | None]:
        """Hash and match an upload; a match opens (or joins) its review case. Only then is
        the file hashed again with its centre crops, for the evidence (a few ms, paid on
        matches only). Uploads without a content id are known by `sha256:<hex>`."""
        counted = Tally()
        surface = upload.surface if upload else None
        hashes, result = self.match_bytes(data, source=source, surface=surface, tally=counted)
        opened = None
        if result.matched:
            every = hash_bytes(data, self.limits, source=source, dihedral=True, crops=True)
            query = hashes.primary()
            subject = Subject(content_id or f"sha256:{query['sha256']}", account_id)
            opened = self.open_match_case(
                result, query, subject, upload, every.every_hash(), counted=counted
            )
        if opened is None:
            self._settle(counted, tally)
        return hashes, result, opened

    def transparency(
        self, start: datetime, end: datetime, *, by: Period = Period.ALL
    ) -> transparency.Report:
        """The transparency report for [start, end) (insights/transparency.py), counts under
        `insights_min_cell` withheld."""
        if end <= start:
            raise InvalidInputError("to", "must be after the start of the report")
        with self.db.read() as session:
            return transparency.build(
                session,
                self.counters,
                start,
                end,
                by=by,
                min_cell=self.settings.insights_min_cell,
            )

    def write_checkpoint(self) -> Checkpoint | None:
        """Append a signed checkpoint of the audit chain's head (when configured)."""
        with self.db.read() as session:
            return self.audit.checkpoint(session)

    def worker(self) -> Worker:
        """The background worker: the outbox, the audit checkpoint when configured, the
        self-report poisoning check when the portal is on, and closed self-reports'
        retention."""
        s = self.settings
        jobs = (
            [Periodic("audit checkpoint", s.audit_checkpoint_seconds, self.write_checkpoint)]
            if s.audit_checkpoint_file
            else []
        )
        if s.self_report_enabled:
            # self-reports matched widely soon after they came in wait for the hotline
            jobs.append(
                Periodic(
                    "self-report poisoning check",
                    poisoning.CHECK_SECONDS,
                    lambda: self.self_reports.check_spread(),
                )
            )
        # closed self-reports' hashes past their retention, whether the portal is on or not
        jobs.append(
            Periodic(
                "self-report retention", retention.CHECK_SECONDS, lambda: self.self_reports.purge()
            )
        )
        return Worker(self.outbox, s.worker_interval_seconds, jobs)

    def exchange_worker(self) -> ExchangeWorker:
        """The worker that fetches exchanges on their intervals."""
        return ExchangeWorker(
            self.db, self.fetcher, poll_seconds=self.settings.exchange_poll_seconds
        )

    def close(self) -> None:
        self.counters.close()
        self.users.close()
        self.fetcher.close()
        self.db.dispose()
