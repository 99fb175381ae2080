"""ConversationGuard: grooming and sextortion nudges on a child's device, from the
conversation engine (needs numpy; the sentence encoder with the `conversation-model` extra)."""

from safeguarding.device.conversations.guard import ConversationGuard, Nudge
from safeguarding.device.conversations.nudges import SIGNS

__all__ = ["SIGNS", "ConversationGuard", "Nudge"]
