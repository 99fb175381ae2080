"""Conversation safety: early warning on grooming and sextortion in chats (docs/conversation.md)."""

from safeguarding.conversation.analyzer import Assessment, ConversationAnalyzer, Limits, Message
from safeguarding.conversation.loader import load_detector
from safeguarding.conversation.tactics import Tactic

__all__ = ["Assessment", "ConversationAnalyzer", "Limits", "Message", "Tactic", "load_detector"]
