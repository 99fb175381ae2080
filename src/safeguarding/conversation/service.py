"""Streaming conversation assessment backed by the database: each call loads the state,
adds messages, saves the state, in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from safeguarding.audit.events import Event
from safeguarding.audit.log import AuditLog
from safeguarding.conversation.analyzer import Assessment, ConversationAnalyzer, Message
from safeguarding.conversation.state import ConversationState
from safeguarding.conversation.store import ConversationStore
from safeguarding.errors import NotFoundError
from safeguarding.inputs import platform_id
from safeguarding.store.db import Database


class ConversationService:
    def __init__(
        self,
        db: Database,
        analyzer: ConversationAnalyzer,
        audit: AuditLog,
        *,
        excerpt_retention: timedelta = timedelta(days=90),
        pending_excerpt_retention: timedelta = timedelta(hours=24),
        on_alert: Callable[[Session, Assessment], object] | None = None,
    ) -> None:
        self.db = db
        self.analyzer = analyzer
        self.audit = audit
        self.store = ConversationStore()
        self.excerpt_retention = excerpt_retention
        self.pending_excerpt_retention = pending_excerpt_retention
        #: called in the alerting transaction, so the alert and its case commit together
        self.on_alert = on_alert

    def add_messages(
        self,
        conversation_id: str,
        messages: Sequence[Message],
        *,
        participants: Mapping[str, Mapping[str, Any]] | None = None,
        actor: str = "api",
    ) -> Assessment:
        platform_id("conversation id", conversation_id)  # before its row is created
        with self.db.write() as session:
            row = self.store.load_for_update(session, conversation_id)
            if not row.state:
                state = self.analyzer.new_state(conversation_id, participants)
            else:
                state = ConversationState.from_json(row.state)
                if participants:
                    self.analyzer.add_participants(state, participants)
            was_alert = state.alert
            assessment = self.analyzer.observe(state, messages)
            self.store.save(row, state.to_json())
            if assessment.alert and not was_alert:
                self.audit.record(
                    session,
                    actor,
                    Event.CONVERSATION_ALERT,
                    conversation_id,
                    category=assessment.category,
                    tier=assessment.tier,
                    first_alert_index=assessment.first_alert_index,
                )
                if self.on_alert is not None:
                    self.on_alert(session, assessment)
            return assessment

    def risk(self, conversation_id: str) -> Assessment:
        platform_id("conversation id", conversation_id)
        with self.db.read() as session:
            row = self.store.get(session, conversation_id)
            if row is None:
                raise NotFoundError(f"no conversation {conversation_id!r}")
            return self.analyzer.assessment(ConversationState.from_json(row.state))

    def purge_excerpts(self) -> int:
        with self.db.write() as session:
            return self.store.purge_excerpts(
                session, self.excerpt_retention, self.pending_excerpt_retention
            )
