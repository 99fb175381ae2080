"""The engine: the domain services wired to one database. The library's entry point, and
what the API and CLI shells are built on."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from pathlib import Path

import httpx

from safeguarding.actions.worker import Periodic, Worker
from safeguarding.audit.checkpoint import Checkpoint
from safeguarding.audit.keys import AuditKey
from safeguarding.audit.log import AuditLog
from safeguarding.auth.keys import ApiKeys
from safeguarding.banks.service import BankService
from safeguarding.cases import intake
from safeguarding.cases.model import Subject
from safeguarding.cases.service import Opened
from safeguarding.cases.uploads import UploadInfo
from safeguarding.config import Settings
from safeguarding.conversation.analyzer import ConversationAnalyzer, Limits
from safeguarding.conversation.loader import load_detector
from safeguarding.conversation.service import ConversationService
from safeguarding.hashing.hasher import ContentHashes, hash_bytes, hash_file
from safeguarding.matching.matcher import Matcher, QuerySignal, query_from_hashes
from safeguarding.matching.result import MatchResult
from safeguarding.media.limits import MediaLimits
from safeguarding.response import Response
from safeguarding.store.db import Database


class Engine:
    def __init__(self, settings: Settings | None = None, *, migrate: bool = True,
                 report_transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings or Settings()
        s = self.settings
        # the key first: a bad key file is told before any database is opened
        key = AuditKey.load(s.audit_key_file) if s.audit_key_file else None
        self.db = Database(self.settings.database_url)
        if migrate:
            self.db.upgrade()
        self.audit = AuditLog(key, s.audit_checkpoint_file)
        self.limits = MediaLimits.from_settings(self.settings)
        self.banks = BankService(self.db, audit=self.audit)
        self.keys = ApiKeys(self.db, self.audit)
        self.matcher = Matcher(
            self.db,
            refresh_seconds=self.settings.index_refresh_seconds,
            settings=self.settings,
            store=self.banks.store,
            snapshot_dir=Path(self.settings.index_dir) if self.settings.index_dir else None,
        )
        self.banks.on_change(self.matcher.mark_dirty)
        self.response = Response(self.settings, self.db, self.audit, self.banks.store,
                                 self.limits, report_transport=report_transport)
        self.cases = self.response.cases

    @cached_property
    def conversations(self) -> ConversationService:
        """Built on first use: loading the embedding model takes a few seconds."""
        s = self.settings
        analyzer = ConversationAnalyzer(load_detector(s.conversation_model),
                                        Limits.from_settings(s))
        return ConversationService(
            self.db, analyzer, self.audit,
            excerpt_retention=timedelta(days=s.conversation_excerpt_retention_days),
            pending_excerpt_retention=timedelta(hours=s.conversation_pending_excerpt_hours),
            on_alert=lambda session, assessment: self.cases.open_in(
                session, intake.from_alert(assessment), "system"))

    def hash_bytes(self, data: bytes, *, source: str | None = None,
                   dihedral: bool = False) -> ContentHashes:
        return hash_bytes(data, self.limits, source=source, dihedral=dihedral)

    def hash_for_bank(self, data: bytes, *, source: str | None = None) -> ContentHashes:
        """Hashes to store in a bank: with centre crops when `bank_crop_hashes` is on."""
        return hash_bytes(data, self.limits, source=source,
                          crops=self.settings.bank_crop_hashes)

    def hash_file(self, path: Path, *, dihedral: bool = False) -> ContentHashes:
        return hash_file(path, self.limits, dihedral=dihedral)

    def match_hashes(self, hashes: ContentHashes) -> MatchResult:
        return self.matcher.match(query_from_hashes(hashes))

    def match_bytes(self, data: bytes, *, source: str | None = None
                    ) -> tuple[ContentHashes, MatchResult]:
        hashes = self.hash_bytes(data, source=source, dihedral=True)
        return hashes, self.match_hashes(hashes)

    def match_signals(self, signals: list[QuerySignal]) -> MatchResult:
        return self.matcher.match(signals)

    def open_match_case(self, result: MatchResult, query: dict[str, str], subject: Subject,
                        upload: UploadInfo | None = None,
                        every_hash: list[dict[str, str | None]] | None = None
                        ) -> Opened | None:
        """Open (or join) the case a match asks for; None when nothing matched. `upload`:
        the platform's metadata about this upload, kept with the evidence's samples;
        `every_hash`: all hashes of the content (ContentHashes.every_hash), kept with the
        evidence so a false positive puts every view of it on the do-not-match list."""
        request = intake.from_match(result, query, subject, upload, every_hash)
        return self.cases.open(request, "system") if request else None

    def match_upload(self, data: bytes, *, source: str | None = None,
                     content_id: str | None = None, account_id: str | None = None,
                     upload: UploadInfo | None = None
                     ) -> tuple[ContentHashes, MatchResult, Opened | None]:
        """Hash and match an upload; a match opens (or joins) its review case. Only then is
        the file hashed again with its centre crops, for the evidence (a few ms, paid on
        matches only). Uploads without a content id are known by `sha256:<hex>`."""
        hashes, result = self.match_bytes(data, source=source)
        if not result.matched:
            return hashes, result, None
        every = hash_bytes(data, self.limits, source=source, dihedral=True, crops=True)
        query = hashes.primary()
        subject = Subject(content_id or f"sha256:{query['sha256']}", account_id)
        opened = self.open_match_case(result, query, subject, upload, every.every_hash())
        return hashes, result, opened

    def write_checkpoint(self) -> Checkpoint | None:
        """Append a signed checkpoint of the audit chain's head (when configured)."""
        with self.db.read() as session:
            return self.audit.checkpoint(session)

    def worker(self) -> Worker:
        """The background worker: the outbox, and the audit checkpoint when configured."""
        s = self.settings
        jobs = [Periodic("audit checkpoint", s.audit_checkpoint_seconds,
                         self.write_checkpoint)] if s.audit_checkpoint_file else []
        return Worker(self.response.outbox, s.worker_interval_seconds, jobs)

    def close(self) -> None:
        self.response.users.close()
        self.db.dispose()
