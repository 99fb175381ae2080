"""Conversation state rows. A writer locks its conversation's row for the whole
read-assess-write step (FOR UPDATE on PostgreSQL; SQLite's write lock is database-wide),
so two messages arriving at once are applied one after the other, never one lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguarding.conversation.state import Tier
from safeguarding.conversation.tables import ConversationRow
from safeguarding.store.db import insert_for
from safeguarding.store.models import utcnow


class ConversationStore:
    def load_for_update(self, session: Session, conversation_id: str) -> ConversationRow:
        """The conversation's row, locked until the transaction ends. A new conversation gets
        an empty row first (insert-if-absent), so two first messages arriving at once queue
        on the same row lock instead of both inserting. Its `state` is {} until saved."""
        insert = insert_for(session)
        now = utcnow()
        session.execute(
            insert(ConversationRow)
            .values(
                id=conversation_id,
                state={},
                messages=0,
                alert=False,
                tier=Tier.NONE.value,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["id"])
        )
        return session.scalars(
            select(ConversationRow).where(ConversationRow.id == conversation_id).with_for_update()
        ).one()

    def get(self, session: Session, conversation_id: str) -> ConversationRow | None:
        row = session.get(ConversationRow, conversation_id)
        return row if row is not None and row.state else None

    def save(self, row: ConversationRow, state: dict[str, Any]) -> ConversationRow:
        now = utcnow()
        row.state = state
        row.messages = int(state["messages"])
        if state["alert"] and not row.alert:
            row.alerted_at = now
        row.alert = bool(state["alert"])
        row.category = state["category"]
        row.tier = Tier(state["tier"]).value
        row.updated_at = now
        return row

    def purge_excerpts(
        self,
        session: Session,
        older_than: timedelta,
        pending_older_than: timedelta,
        now: datetime | None = None,
    ) -> int:
        """Drops evidence excerpts: from alerted conversations not updated within
        `older_than`, from conversations that never alerted after `pending_older_than`. The
        indices, tactics and scores stay. Returns how many conversations were changed."""
        now = now or utcnow()
        changed = 0
        for row in session.scalars(
            select(ConversationRow).where(
                ConversationRow.updated_at < now - min(older_than, pending_older_than)
            )
        ):
            limit = older_than if row.alert else pending_older_than
            if _aware(row.updated_at) >= now - limit:
                continue
            evidence = row.state.get("evidence", [])
            if any(e.get("excerpt") is not None for e in evidence):
                state = dict(row.state)
                state["evidence"] = [{**e, "excerpt": None} for e in evidence]
                row.state = state
                changed += 1
        return changed


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes for the UTC values we stored.
    return value if value.tzinfo else value.replace(tzinfo=UTC)
