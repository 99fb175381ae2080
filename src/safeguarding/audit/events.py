"""The names of audit events: the one closed list, `<subject>.<what happened>`.

The values are persistent keys: they are stored in `audit_events.action`, hashed into the
chain, and searched for (a report's `fileViewedByEsp` comes from `evidence.reveal`), so a
value is never renamed; a new kind of event is a new member. `AuditLog.record` refuses a
name that is not a member, so every stored name is one of these."""

from __future__ import annotations

from enum import StrEnum


class Event(StrEnum):
    # cases/: a case's life and who looked at what
    CASE_OPEN = "case.open"
    CASE_JOIN = "case.join"  # new evidence joined an open case
    CASE_VIEW = "case.view"
    CASE_CLAIM = "case.claim"
    CASE_RELEASE = "case.release"
    CASE_TAKEOVER = "case.takeover"
    CASE_DECIDE = "case.decide"
    CASE_ACTIONED = "case.actioned"
    CASE_CLOSED = "case.closed"
    REVIEWER_SETTINGS = "reviewer.settings"  # a reviewer's own wellbeing settings
    EVIDENCE_VIEW = "evidence.view"  # a blurred preview
    EVIDENCE_REVEAL = "evidence.reveal"  # the original bytes
    EVIDENCE_PURGE_UPLOADS = "evidence.purge_uploads"
    EVIDENCE_PURGE_FRANKED_TEXTS = "evidence.purge_franked_texts"
    PREVIEW_ADD = "preview.add"
    PREVIEW_PURGE = "preview.purge"
    # banks/
    BANK_CREATE = "bank.create"
    BANK_UPDATE = "bank.update"
    BANK_DELETE = "bank.delete"
    BANK_ADD = "bank.add"
    BANK_IMPORT = "bank.import"
    BANK_REMOVE = "bank.remove"
    DNM_ADD = "dnm.add"
    DNM_REMOVE = "dnm.remove"
    # reporting/
    REPORT_DRAFT = "report.draft"
    REPORT_APPROVE = "report.approve"
    REPORT_WITHDRAW = "report.withdraw"
    REPORT_OPENED = "report.opened"  # the CyberTipline gave the report its id
    REPORT_ABANDONED = "report.abandoned"
    REPORT_ACCEPTED = "report.accepted"
    REPORT_REJECTED = "report.rejected"
    # delivery/
    OUTBOX_DEAD = "outbox.dead"
    OUTBOX_RETRY = "outbox.retry"
    # auth/
    USER_CREATE = "user.create"
    USER_UPDATE = "user.update"
    LOGIN_SUCCESS = "login.success"
    LOGIN_FAILURE = "login.failure"
    KEY_CREATE = "key.create"
    KEY_REVOKE = "key.revoke"
    # feeds/ and exchanges/
    FEED_GRANT = "feed.grant"
    FEED_REVOKE = "feed.revoke"
    FEED_READ = "feed.read"
    FEED_OUTCOMES = "feed.outcomes"
    EXCHANGE_ADD = "exchange.add"
    EXCHANGE_UPDATE = "exchange.update"
    EXCHANGE_REMOVE = "exchange.remove"
    EXCHANGE_PAGE = "exchange.page"
    EXCHANGE_FAIL = "exchange.fail"
    # conversation/ and selfreport/
    CONVERSATION_ALERT = "conversation.alert"
    SELFREPORT_SUBMIT = "selfreport.submit"
    SELFREPORT_WITHDRAW = "selfreport.withdraw"
    SELFREPORT_APPROVE = "selfreport.approve"
    SELFREPORT_UPLOAD_REQUESTED = "selfreport.upload_requested"
    SELFREPORT_REJECT = "selfreport.reject"
    SELFREPORT_HOLD = "selfreport.hold"
    SELFREPORT_PURGE = "selfreport.purge"
