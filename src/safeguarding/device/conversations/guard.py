"""ConversationGuard: the conversation engine (safeguarding.conversation, the learned
grooming and sextortion detector) run on a child's own device, over the messages the app has
decrypted. It returns nudges for the child, never a report: a report is the child's choice
(franking's `build_report`), and nothing here opens a connection.

State stays on the device and is bounded: the engine keeps per participant a best and summed
probability per tactic and a few evidence indices (it does not grow with messages), at most
`max_participants` participants per conversation, and the guard keeps the state of at most
`max_conversations` conversations, the least recently active forgotten first. `snapshot()`
and `restore()` let the app keep it across restarts, encrypted at rest like its messages
(the state holds short excerpts of the few messages that showed a tactic).

A nudge is raised when a conversation's tier first reaches "nudge" with a sign worth naming
(compliments and friendliness alone are not), again when the tier rises, when someone first
asks for pictures or a meeting, threatens or demands, and when it first turns to
sextortion; never about the child's own messages.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from safeguarding.conversation import ConversationAnalyzer, Limits, Message, load_detector
from safeguarding.conversation.analyzer import Assessment
from safeguarding.conversation.detector import MessageDetector
from safeguarding.conversation.state import ConversationState
from safeguarding.device.conversations.nudges import (
    REQUESTS,
    SIGNS,
    grooming_warning,
    sextortion_warning,
)
from safeguarding.device.safety import HelpRoute, SafetyWarning
from safeguarding.device.safety import help_routes as routes_for
from safeguarding.device.wording import DEFAULT_LOCALE, parse_locale
from safeguarding.errors import ConversationError, ConversationFormatError, ConversationLimitError

#: conversations whose state is kept; a phone has a few hundred active chats at most
MAX_CONVERSATIONS = 256
#: senders tracked per conversation (a large group chat's active members)
MAX_PARTICIPANTS = 64
#: the longest message read: franking's longest text (MAX_TEXT_BYTES; a test checks), since
#: the messages reach the device franked
MAX_MESSAGE_CHARS = 65_536
_TIERS = ("none", "nudge", "review", "urgent")


@dataclass(frozen=True)
class Nudge:
    conversation_id: str
    #: "grooming" or "sextortion"
    kind: str
    #: the engine's tier: "nudge", "review" or "urgent"
    tier: str
    #: the participant whose messages raised it (the one the app offers to block)
    about: str | None
    #: the message (0-based, in this conversation) after which it was raised
    message_index: int
    #: the tactics seen from them, as the engine names them (`nudges.SIGNS` describes them)
    signs: tuple[str, ...]
    warning: SafetyWarning


@dataclass
class _Chat:
    state: ConversationState
    nudged_tier: str = "none"
    nudged_kind: str | None = None
    nudged_signs: tuple[str, ...] = ()


class ConversationGuard:
    """`child_id` is the account the device belongs to; `age` its age where the app knows it
    (it helps the engine tell who is the child). `model` chooses the engine's bundle as
    `safeguarding.conversation.load_detector` does: "auto" uses the sentence encoder when
    the `conversation-model` extra is installed, "none" the lexical bundle. `locale` ("en",
    "es", "pt", or with a country: "es-MX") chooses the nudges' words and, unless
    `help_routes` are given, the country's routes (device/wording.py)."""

    def __init__(
        self,
        child_id: str,
        *,
        age: int | None = None,
        model: Literal["auto", "use", "none"] = "auto",
        detector: MessageDetector | None = None,
        help_routes: tuple[HelpRoute, ...] | None = None,
        locale: str = DEFAULT_LOCALE,
        max_conversations: int = MAX_CONVERSATIONS,
        max_participants: int = MAX_PARTICIPANTS,
    ) -> None:
        if max_conversations < 1:
            raise ConversationLimitError("max_conversations must be at least 1")
        self.child_id = child_id
        self.age = age
        #: the nudges' words (en, es, pt); the routes are the locale country's unless given
        self.language = parse_locale(locale).language
        self.help_routes = routes_for(locale) if help_routes is None else help_routes
        self.max_conversations = max_conversations
        # The state does not grow with messages, so their number is not limited.
        limits = Limits(
            max_message_chars=MAX_MESSAGE_CHARS,
            max_participants=max_participants,
            max_messages=sys.maxsize,
        )
        self._analyzer = ConversationAnalyzer(detector or load_detector(model), limits)
        self._chats: OrderedDict[str, _Chat] = OrderedDict()
        self._new_state("probe")  # checks child_id and age now, not at the first message

    @property
    def conversations(self) -> int:
        return len(self._chats)

    def observe(
        self, conversation_id: str, sender_id: str, text: str, at_ms: int | None = None
    ) -> Nudge | None:
        """One decrypted message (sent or received, in order); a nudge when one is due.
        A bad identifier or an over-long text raises ConversationError and changes nothing."""
        chat = self._chat(conversation_id)
        message = Message(sender_id, text, None if at_ms is None else str(at_ms / 1000))
        return self._after(conversation_id, chat, self._analyzer.observe(chat.state, [message]))

    def observe_many(
        self, conversation_id: str, messages: Iterable[tuple[str, str, int | None]]
    ) -> list[Nudge]:
        """Several messages of one conversation in order (a backlog after the app was
        closed), each checked as it comes, so a nudge names the message that raised it. A
        bad message raises ConversationError naming its position; those before it count."""
        out = []
        for position, (sender_id, text, at_ms) in enumerate(messages):
            try:
                nudge = self.observe(conversation_id, sender_id, text, at_ms)
            except ConversationError as exc:
                raise type(exc)(f"message {position}: {exc}") from exc
            if nudge is not None:
                out.append(nudge)
        return out

    def forget(self, conversation_id: str) -> None:
        """Drops a conversation's state (the chat was deleted, or the person blocked)."""
        self._chats.pop(conversation_id, None)

    def snapshot(self) -> dict[str, Any]:
        """Everything the guard keeps, as JSON-ready data, least recently active first."""
        return {
            "version": 1,
            "conversations": [
                {
                    "state": chat.state.to_json(),
                    "nudged_tier": chat.nudged_tier,
                    "nudged_kind": chat.nudged_kind,
                    "nudged_signs": list(chat.nudged_signs),
                }
                for chat in self._chats.values()
            ],
        }

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Replaces the guard's state with a snapshot's; ConversationFormatError if it is
        not one (the state is then unchanged)."""
        try:
            if snapshot.get("version") != 1:
                raise ValueError("unknown version")
            chats = [
                _Chat(
                    ConversationState.from_json(item["state"]),
                    str(item["nudged_tier"]),
                    item["nudged_kind"],
                    tuple(map(str, item["nudged_signs"])),
                )
                for item in snapshot["conversations"]
            ]
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ConversationFormatError(f"not a ConversationGuard snapshot: {exc}") from exc
        self._chats = OrderedDict((chat.state.id, chat) for chat in chats)
        while len(self._chats) > self.max_conversations:
            self._chats.popitem(last=False)

    def _new_state(self, conversation_id: str) -> ConversationState:
        info = {} if self.age is None else {"age": self.age}
        return self._analyzer.new_state(conversation_id, {self.child_id: info})

    def _chat(self, conversation_id: str) -> _Chat:
        chat = self._chats.get(conversation_id)
        if chat is None:
            chat = _Chat(self._new_state(conversation_id))
            self._chats[conversation_id] = chat
            while len(self._chats) > self.max_conversations:
                self._chats.popitem(last=False)
        else:
            self._chats.move_to_end(conversation_id)
        return chat

    def _after(self, conversation_id: str, chat: _Chat, result: Assessment) -> Nudge | None:
        if result.offender in (None, self.child_id) or result.tier == "none":
            return None
        kind = result.category or "grooming"
        signs = tuple(sorted(chat.state.participants[str(result.offender)].evidence))
        if kind == "grooming" and not set(signs) & SIGNS.keys():
            return None
        rises = _TIERS.index(result.tier) > _TIERS.index(chat.nudged_tier)
        turns = kind == "sextortion" and chat.nudged_kind != "sextortion"
        asks = bool((set(signs) - set(chat.nudged_signs)) & REQUESTS)
        if not (rises or turns or asks):
            return None
        chat.nudged_tier = max(chat.nudged_tier, result.tier, key=_TIERS.index)
        chat.nudged_kind, chat.nudged_signs = kind, signs
        if kind == "sextortion":
            warning = sextortion_warning(
                signs, help_routes=self.help_routes, language=self.language
            )
        else:
            warning = grooming_warning(
                signs,
                urgent=result.tier == "urgent" or bool(set(signs) & REQUESTS),
                help_routes=self.help_routes,
                language=self.language,
            )
        return Nudge(
            conversation_id, kind, result.tier, result.offender, result.messages - 1, signs, warning
        )
