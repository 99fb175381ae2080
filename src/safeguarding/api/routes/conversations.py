"""Conversation safety: stream messages in, read the running assessment."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from starlette.concurrency import run_in_threadpool

from safeguarding.api.deps import ConversationKey, EngineDep, KeyFirstRoute
from safeguarding.api.schemas import AssessmentOut, MessagesIn
from safeguarding.conversation.analyzer import Message
from safeguarding.inputs import MAX_ID_CHARS

router = APIRouter(tags=["conversations"], route_class=KeyFirstRoute)
ConversationId = Annotated[str, Path(min_length=1, max_length=MAX_ID_CHARS)]


@router.post("/conversations/{conversation_id}/messages", response_model=AssessmentOut)
async def add_messages(
    conversation_id: ConversationId, body: MessagesIn, engine: EngineDep, key: ConversationKey
) -> dict[str, Any]:
    """Add messages (in order) to a conversation and return its updated assessment. State is
    kept per conversation across calls; message text is not stored."""
    messages = [Message(m.sender, m.text, m.ts) for m in body.messages]
    participants = {
        pid: p.model_dump(exclude_none=True) for pid, p in (body.participants or {}).items()
    }
    assessment = await run_in_threadpool(
        engine.conversations.add_messages,
        conversation_id,
        messages,
        participants=participants,
        actor=key.actor,
    )
    return assessment.as_dict()


@router.get("/conversations/{conversation_id}/risk", response_model=AssessmentOut)
async def risk(
    conversation_id: ConversationId, engine: EngineDep, key: ConversationKey
) -> dict[str, Any]:
    """The conversation's current assessment."""
    assessment = await run_in_threadpool(engine.conversations.risk, conversation_id)
    return assessment.as_dict()
