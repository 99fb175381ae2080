"""The conversation JSON format shared by the CLI, the evaluation and the API:
{"id", "messages": [{"sender", "ts", "text"}], "participants"?: {id: {"age"?: int}}}."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from safeguarding.conversation.analyzer import Message
from safeguarding.errors import ConversationFormatError


@dataclass(frozen=True)
class Conversation:
    id: str
    messages: list[Message]
    participants: dict[str, dict[str, Any]] = field(default_factory=dict)


def parse_message(raw: Any, where: str = "message") -> Message:
    if not isinstance(raw, dict):
        raise ConversationFormatError(f"{where} must be an object")
    sender, text, ts = raw.get("sender"), raw.get("text"), raw.get("ts")
    if not isinstance(sender, str | int) or isinstance(sender, bool) or sender == "":
        raise ConversationFormatError(f"{where}: 'sender' must be a non-empty string")
    if not isinstance(text, str):
        raise ConversationFormatError(f"{where}: 'text' must be a string")
    if ts is not None and not isinstance(ts, str | int | float):
        raise ConversationFormatError(f"{where}: 'ts' must be a string or a number")
    return Message(str(sender), text, None if ts is None else str(ts))


def parse_conversation(raw: Any) -> Conversation:
    if not isinstance(raw, dict):
        raise ConversationFormatError("a conversation must be a JSON object")
    cid = raw.get("id")
    if not isinstance(cid, str | int) or isinstance(cid, bool) or cid == "":
        raise ConversationFormatError("'id' must be a non-empty string")
    messages = raw.get("messages")
    if not isinstance(messages, list):
        raise ConversationFormatError("'messages' must be a list")
    participants = raw.get("participants") or {}
    if not isinstance(participants, dict) or not all(
        isinstance(v, dict) for v in participants.values()
    ):
        raise ConversationFormatError("'participants' must map ids to objects")
    parsed = [parse_message(m, f"message {i}") for i, m in enumerate(messages)]
    return Conversation(str(cid), parsed, {str(k): v for k, v in participants.items()})
