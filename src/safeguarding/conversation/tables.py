"""The table the conversation package owns: one row per conversation. Only
`conversation/store.py` reads or writes it. Names are persistent: change them only by
migration."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from safeguarding.conversation.state import Tier
from safeguarding.inputs import MAX_ID_CHARS
from safeguarding.store.models import Base, utcnow


class ConversationRow(Base):
    """One row per conversation: the engine's bounded state (conversation/state.py) as JSON,
    with the headline fields beside it for queues and queries. No message text."""

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(MAX_ID_CHARS), primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    messages: Mapped[int] = mapped_column(BigInteger, default=0)
    alert: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    category: Mapped[str | None] = mapped_column(String(20), nullable=True)
    tier: Mapped[str] = mapped_column(String(20), default=Tier.NONE.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    alerted_at: Mapped[datetime | None] = mapped_column(nullable=True)
