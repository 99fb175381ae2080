"""The conversation engine: consumes messages one at a time (or a batch, embedded together)
and keeps a running assessment in a ConversationState."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from safeguarding.conversation.ages import minor_cue, stated_age
from safeguarding.conversation.assess import (
    moment_alert,
    scores,
    threatened,
    thresholds,
    tier_for,
)
from safeguarding.conversation.detector import MessageDetector, MessageSignals
from safeguarding.conversation.language import add as add_language
from safeguarding.conversation.moment_model import pair
from safeguarding.conversation.state import (
    EVIDENCE_PER_TACTIC,
    EVIDENCE_SCORE,
    EXCERPT_CHARS,
    ConversationState,
    EvidenceMessage,
    Participant,
    Tier,
)
from safeguarding.conversation.tactics import GROOMING_STAGE, HARM_REQUESTS, Tactic
from safeguarding.errors import ConversationFormatError, ConversationLimitError
from safeguarding.inputs import MAX_ID_CHARS, has_control

if TYPE_CHECKING:
    from safeguarding.config import Settings

# "how old r u" may be answered a few messages later: a bare number within this many
# messages of the question, from someone else, is taken as an age.
AGE_ANSWER_WINDOW = 6
# Messages embedded per model call: full batches, bounded memory.
DETECT_SLICE = 1024


@dataclass(frozen=True)
class Message:
    sender: str
    text: str
    ts: str | None = None


def _default(setting: str) -> Any:
    """Each limit's default is the setting's, defined once. Read when a Limits is made
    without it, not on import: the device library runs the analyzer with limits of its own
    and without pydantic (safeguarding.device.conversations)."""
    from safeguarding.config import Settings

    return Settings.model_fields[setting].default


@dataclass(frozen=True)
class Limits:
    max_message_chars: int = field(
        default_factory=lambda: _default("conversation_max_message_chars")
    )
    max_participants: int = field(default_factory=lambda: _default("conversation_max_participants"))
    max_messages: int = field(default_factory=lambda: _default("conversation_max_messages"))

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_message_chars=settings.conversation_max_message_chars,
            max_participants=settings.conversation_max_participants,
            max_messages=settings.conversation_max_messages,
        )


@dataclass
class Assessment:
    id: str
    alert: bool
    category: str | None
    first_alert_index: int | None
    grooming_score: float
    sextortion_score: float
    tier: Tier
    offender: str | None
    child: str | None
    messages: int
    #: a participant described a threat or abuse done to them ("he said he'd post my pics")
    disclosure: bool = False
    tactics: dict[str, list[int]] = field(default_factory=dict)
    evidence: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "alert": self.alert,
            "category": self.category,
            "first_alert_index": self.first_alert_index,
            "grooming_score": round(self.grooming_score, 4),
            "sextortion_score": round(self.sextortion_score, 4),
            "tier": self.tier,
            "offender": self.offender,
            "child": self.child,
            "disclosure": self.disclosure,
            "messages": self.messages,
            "tactics": self.tactics,
            "evidence": self.evidence,
        }


class ConversationAnalyzer:
    def __init__(self, detector: MessageDetector, limits: Limits | None = None) -> None:
        self.detector = detector
        self.limits = limits or Limits()

    def new_state(
        self, conversation_id: str, participants: Mapping[str, Mapping[str, Any]] | None = None
    ) -> ConversationState:
        _check_id(conversation_id, "conversation id")
        state = ConversationState(id=conversation_id)
        self.add_participants(state, participants or {})
        return state

    def add_participants(
        self, state: ConversationState, participants: Mapping[str, Mapping[str, Any]]
    ) -> None:
        """Ages the platform knows win over ages stated in messages."""
        for pid, info in participants.items():
            _check_id(pid, "participant id")
            age = _given_age(info)
            participant = self._participant(state, pid)
            if age is not None:
                participant.age, participant.age_source = age, "platform"

    def observe(self, state: ConversationState, messages: Sequence[Message]) -> Assessment:
        """Adds messages (in order) to the state and returns the assessment after the last."""
        for message in messages:
            self._validate(state, message)
        self._run([(state, m) for m in messages])
        return self.assessment(state)

    def _run(self, work: Sequence[tuple[ConversationState, Message]]) -> None:
        """Detects and applies in slices, so memory stays flat for any number of messages."""
        for start in range(0, len(work), DETECT_SLICE):
            part = work[start : start + DETECT_SLICE]
            signals = self.detector.detect([m.text for _, m in part])
            for (state, message), signal in zip(part, signals, strict=True):
                self.update(state, message, signal)

    def score_many(
        self,
        conversations: Sequence[
            tuple[str, Sequence[Message], Mapping[str, Mapping[str, Any]] | None]
        ],
    ) -> list[Assessment]:
        """Scores whole conversations, embedding all their messages together: batch scoring
        runs the model on full batches instead of one conversation at a time."""
        states = [self.new_state(cid, participants) for cid, _, participants in conversations]
        for state, (_, messages, _) in zip(states, conversations, strict=True):
            for message in messages:
                self._validate(state, message)
        self._run(
            [
                (state, m)
                for state, (_, messages, _) in zip(states, conversations, strict=True)
                for m in messages
            ]
        )
        return [self.assessment(state) for state in states]

    def score(
        self,
        conversation_id: str,
        messages: Sequence[Message],
        participants: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Assessment:
        return self.observe(self.new_state(conversation_id, participants), messages)

    def _validate(self, state: ConversationState, message: Message) -> None:
        _check_id(message.sender, "sender")
        if len(message.text) > self.limits.max_message_chars:
            raise ConversationLimitError(
                f"message of {len(message.text)} characters exceeds the limit of "
                f"{self.limits.max_message_chars}"
            )
        if state.messages >= self.limits.max_messages:
            raise ConversationLimitError(
                f"conversation {state.id} has reached {self.limits.max_messages} messages"
            )
        if (
            message.sender not in state.participants
            and len(state.participants) >= self.limits.max_participants
        ):
            raise ConversationLimitError(
                f"conversation {state.id} already has {self.limits.max_participants} participants"
            )

    def _participant(self, state: ConversationState, pid: str) -> Participant:
        if pid not in state.participants:
            if len(state.participants) >= self.limits.max_participants:
                raise ConversationLimitError(
                    f"conversation {state.id} already has {self.limits.max_participants} "
                    "participants"
                )
            state.participants[pid] = Participant(id=pid)
        return state.participants[pid]

    def update(self, state: ConversationState, message: Message, signal: MessageSignals) -> None:
        """Adds one validated message with its signals and reassesses."""
        self.record(state, message, signal)
        self._reassess(state, state.messages - 1)

    def record(self, state: ConversationState, message: Message, signal: MessageSignals) -> None:
        """Adds one validated message to the state without reassessing (training replays
        labelled conversations through here, with out-of-source signals)."""
        index = state.messages
        state.messages += 1
        sender = self._participant(state, message.sender)
        sender.messages += 1
        when = _seconds(message.ts)
        if when is not None:
            state.first_ts = when if state.first_ts is None else min(state.first_ts, when)
            state.last_ts = when if state.last_ts is None else max(state.last_ts, when)
        sender.questions += signal.question
        answering = state.last_age_probe_by not in (None, sender.id) and (
            index - (state.age_probe_index or 0) <= AGE_ANSWER_WINDOW
        )
        age = stated_age(signal.text, answering_age_question=answering)
        if age is not None:
            sender.stated_age = age
            if sender.age_source != "platform":
                sender.age, sender.age_source = age, "stated"
        add_language(state.languages, signal.text)
        if minor_cue(signal.text):
            sender.minor_cues += 1
        if signal.disclosure:
            sender.disclosures += 1
        if signal.family:
            self._note_family(state, sender, signal.text)
        kept = signal.disclosure and sender.disclosures <= EVIDENCE_PER_TACTIC
        for tactic, value in signal.tactics.items():
            kept = sender.record(tactic.value, value, index) or kept
        if signal.tactics.get(Tactic.AGE_PROBE, 0.0) >= EVIDENCE_SCORE:
            state.last_age_probe_by, state.age_probe_index = sender.id, index
        harmful = {t for t, v in signal.tactics.items() if v >= 0.5}
        for tactic in harmful & GROOMING_STAGE.keys():
            sender.stage_first.setdefault(GROOMING_STAGE[tactic].value, index)
        if state.first_harm_index is None and harmful & {*HARM_REQUESTS, Tactic.THREAT}:
            state.first_harm_index = index
        if signal.moment is not None:
            own = signal.moment
            model = self.detector.moment
            if model is not None and signal.moment_pre is not None:
                own = model.step(
                    own,
                    signal.moment_pre,
                    signal.moment_projection,
                    sender.id,
                    state.memories,
                    state.moment_carry or None,
                )
                if signal.moment_carry is not None:
                    state.moment_carry = signal.moment_carry.tolist()
            logit = self._recheck(state, message, signal, own + state.moment_context)
            moment = pair(logit, state.moment_logit)
            state.moment_score = max(state.moment_score, round(moment, 4))
            state.moment_logit, state.moment_context = logit, signal.moment_context
        if kept:
            state.evidence[index] = EvidenceMessage(
                index,
                sender.id,
                message.ts,
                {t.value: v for t, v in signal.tactics.items() if v >= EVIDENCE_SCORE},
                excerpt=message.text[:EXCERPT_CHARS] if harmful or signal.disclosure else None,
            )
        state.last_sender = sender.id

    def _recheck(
        self, state: ConversationState, message: Message, signal: MessageSignals, logit: float
    ) -> float:
        """The moment logit after the second reading (moment_recheck.py): read again by e5
        when due."""
        recheck = self.detector.recheck
        if recheck is None or signal.moment_dense is None:
            return logit
        before, state.moment_base = state.moment_base, logit
        carried = np.asarray(state.recheck_carry, np.float32) if state.recheck_carry else None
        value, carry = recheck.step(
            logit,
            before,
            signal.moment_dense,
            lambda: self.detector.second_reading(message.text),
            carried,
        )
        state.recheck_carry = [] if carry is None else carry.tolist()
        return value

    @staticmethod
    def _note_family(state: ConversationState, sender: Participant, text: str) -> None:
        """ "It's grandma" marks the sender as family of the others; "thanks mum" marks the
        one addressed (the previous sender) as the speaker's family."""
        if text.startswith("it") or " it's " in text or " its " in text:
            pairs = [(other, sender.id) for other in state.participants if other != sender.id]
        elif state.last_sender not in (None, sender.id):
            pairs = [(sender.id, str(state.last_sender))]
        else:
            return
        for who, kin in pairs:
            listed = state.participants[who].calls_family
            if kin not in listed and len(listed) < 8:
                listed.append(kin)

    def _reassess(self, state: ConversationState, index: int) -> None:
        model = self.detector.risk
        grooming, sextortion, roles = scores(state, model)
        state.grooming_score = max(state.grooming_score, grooming)
        state.sextortion_score = max(state.sextortion_score, sextortion)
        tier = tier_for(state, state.grooming_score, state.sextortion_score, roles, model)
        moment = moment_alert(state, model)
        if moment:
            tier = Tier.URGENT
        # Alerts and tiers only ever rise: a conversation does not flicker back to "fine"
        # because its latest messages are ordinary.
        if tier.rank > state.tier.rank:
            state.tier = tier
        category = None
        t = thresholds(state, model)
        if moment:
            category = "sextortion"
        elif state.sextortion_score >= t["sextortion_alert"]:
            category = "sextortion" if threatened(state) else "grooming"
        elif state.grooming_score >= t["grooming_alert"]:
            category = "grooming"
        if category and (
            not state.alert or (category == "sextortion" and state.category != "sextortion")
        ):
            state.category = category
        if category and not state.alert:
            state.alert = True
            state.first_alert_index = index

    def assessment(self, state: ConversationState) -> Assessment:
        _, _, roles = scores(state, self.detector.risk)
        tactics: dict[str, list[int]] = {}
        for participant in state.participants.values():
            for tactic, indices in participant.evidence.items():
                tactics.setdefault(tactic, []).extend(indices)
        evidence = []
        wanted = {i for indices in tactics.values() for i in indices}
        wanted |= {i for i, e in state.evidence.items() if not e.tactics}
        for index in sorted(wanted):
            item = state.evidence.get(index)
            if item is None:
                continue
            entry: dict[str, Any] = {
                "index": item.index,
                "sender": item.sender,
                "ts": item.ts,
                "tactics": item.tactics,
            }
            if state.alert and item.excerpt is not None:
                entry["excerpt"] = item.excerpt
            evidence.append(entry)
        return Assessment(
            id=state.id,
            alert=state.alert,
            category=state.category,
            first_alert_index=state.first_alert_index,
            grooming_score=state.grooming_score,
            sextortion_score=state.sextortion_score,
            tier=state.tier,
            offender=roles.offender,
            child=roles.child,
            messages=state.messages,
            disclosure=any(p.disclosures for p in state.participants.values()),
            tactics={k: sorted(v) for k, v in sorted(tactics.items())},
            evidence=evidence,
        )


def _check_id(value: str, what: str) -> None:
    if not isinstance(value, str) or not value or len(value) > MAX_ID_CHARS:
        raise ConversationLimitError(f"{what} must be a string of 1 to {MAX_ID_CHARS} characters")
    if has_control(value):
        raise ConversationFormatError(f"{what} must not contain control characters")


def _given_age(info: Mapping[str, Any]) -> int | None:
    age = info.get("age") if isinstance(info, Mapping) else None
    if age is None:
        return None
    if isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 130:
        raise ConversationLimitError(f"participant age must be an integer 0-130, not {age!r}")
    return age


def _seconds(ts: str | None) -> float | None:
    """A message time as seconds since the epoch: ISO 8601 or a number; else unknown."""
    if ts is None:
        return None
    try:
        value = float(ts)
        return value if math.isfinite(value) else None
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(ts).timestamp()
    except ValueError:
        return None
