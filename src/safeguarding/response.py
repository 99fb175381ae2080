"""The response side wired together: reviewers, cases, previews, the outbox with its
webhook and report channels, and reports. Built by the engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy.orm import Session

from safeguarding.actions.outbox import Delivery, Outbox
from safeguarding.actions.webhooks import WebhookSender
from safeguarding.audit.log import AuditLog
from safeguarding.auth.sessions import WebSessions
from safeguarding.auth.throttle import LoginThrottle
from safeguarding.auth.users import Users
from safeguarding.cases.consequences import WEBHOOK, Consequences
from safeguarding.cases.previews import Previews
from safeguarding.cases.service import CaseService
from safeguarding.config import Settings
from safeguarding.media.limits import MediaLimits
from safeguarding.reporting.clients import CyberTiplineClient, NcaClient
from safeguarding.reporting.document import Reporter
from safeguarding.reporting.service import REPORT_CHANNEL, ReportService
from safeguarding.store.banks import BankStore
from safeguarding.store.db import Database


@dataclass
class ReportClients:
    settings: Settings
    transport: httpx.BaseTransport | None = None

    def ncmec(self) -> CyberTiplineClient:
        s = self.settings
        return CyberTiplineClient(s.ncmec_url, s.ncmec_username, s.ncmec_password,
                                  transport=self.transport)

    def nca(self) -> NcaClient:
        return NcaClient(self.settings.nca_url, self.settings.nca_token,
                         transport=self.transport)


class Response:
    def __init__(self, settings: Settings, db: Database, audit: AuditLog, bank_store: BankStore,
                 limits: MediaLimits, *, report_transport: httpx.BaseTransport | None = None
                 ) -> None:
        s = settings
        self.users = Users(db, audit, LoginThrottle(
            max_failures=s.login_max_failures,
            account_max_failures=s.login_account_max_failures,
            window=timedelta(minutes=s.login_lockout_minutes)))
        self.sessions = WebSessions(db, audit, idle=timedelta(minutes=s.web_session_idle_minutes),
                                    lifetime=timedelta(hours=s.web_session_hours))
        reporter = Reporter(s.report_org_name, s.report_contact_name, s.report_contact_email)
        clients = ReportClients(s, report_transport)
        self.reports = ReportService(db, audit, reporter, list(s.report_authorities),
                                     lambda: clients,
                                     resume_window=timedelta(minutes=s.ncmec_resume_minutes))
        self.cases = CaseService(db, audit, Consequences(
            audit, bank_store, self.reports, webhooks=bool(s.webhook_url),
            preserve_for=timedelta(days=s.evidence_preservation_days),
            confirmed_bank=s.confirmed_bank),
            upload_retention=timedelta(days=s.preview_retention_days),
            lease_idle=timedelta(minutes=s.review_lease_minutes))
        self.previews = Previews(db, audit, limits, timedelta(days=s.preview_retention_days))
        self.outbox = Outbox(db, audit, max_attempts=s.webhook_max_attempts)
        if s.webhook_url and s.webhook_secret:
            sender = WebhookSender(s.webhook_url, s.webhook_secret)
            self.outbox.handle(WEBHOOK, lambda d: sender.send(d.event, d.payload,
                                                              d.idempotency_key),
                               self._delivered)
        # each report stands alone: one failing never holds back another
        self.outbox.handle(REPORT_CHANNEL, self.reports.deliver, self._delivered,
                           ordered=False)

    def _delivered(self, session: Session, delivery: Delivery) -> None:
        if delivery.case_id is not None:
            self.cases.outcome_delivered(session, delivery.case_id)
