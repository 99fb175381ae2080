"""What the engine remembers of a conversation between messages: small, bounded, and plain
JSON, so it persists in one row and a restart loses nothing.

No message text is kept but a short excerpt of the few messages that showed a tactic (at most
EVIDENCE_PER_TACTIC per tactic and sender): a reviewer needs them if the conversation alerts.
They are shown only once it has, and dropped by `safeguarding conversation purge` after
SAFEGUARDING_CONVERSATION_PENDING_EXCERPT_HOURS if it has not, after the retention period
if it has."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

# Per participant and tactic, the first few messages that showed it: enough to explain an
# alert, bounded however long the conversation runs.
EVIDENCE_PER_TACTIC = 3
EXCERPT_CHARS = 200
# A message is kept as evidence of a tactic from this probability on.
EVIDENCE_SCORE = 0.5


class Tier(StrEnum):
    """What a conversation calls for, in rising order; stored (`conversations.tier`,
    the state's JSON), so the values are persistent keys."""

    NONE = "none"
    NUDGE = "nudge"  # safety information for the child
    REVIEW = "review"  # a human looks
    URGENT = "urgent"  # act now

    @property
    def rank(self) -> int:
        return _TIER_ORDER.index(self)


_TIER_ORDER = list(Tier)


@dataclass
class Participant:
    id: str
    messages: int = 0
    questions: int = 0
    age: int | None = None
    age_source: str | None = None  # "platform" (given) or "stated" (in a message)
    # The age this participant stated in a message, kept beside the platform's: the
    # conversation model reads this one, since it was trained with ages withheld and only
    # ever saw stated ages (risk_model.features says why)
    stated_age: int | None = None
    best: dict[str, float] = field(default_factory=dict)
    # Per tactic, the sum of the message probabilities: how much, not just how sure
    soft: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, list[int]] = field(default_factory=dict)
    disclosures: int = 0
    # Messages that sound like a child's: a parent's permission, school as their day
    minor_cues: int = 0
    # Participants this one knows as family ("thanks mum", "it's grandma"): not strangers.
    calls_family: list[str] = field(default_factory=list)
    # Grooming stage -> the index of the first message that surely showed it
    stage_first: dict[str, int] = field(default_factory=dict)

    def record(self, tactic: str, score: float, index: int) -> bool:
        """Notes the tactic; True if this message is kept as evidence of it."""
        if score > self.best.get(tactic, 0.0):
            self.best[tactic] = score
        self.soft[tactic] = round(self.soft.get(tactic, 0.0) + score, 4)
        if score < EVIDENCE_SCORE:
            return False
        indices = self.evidence.setdefault(tactic, [])
        if len(indices) < EVIDENCE_PER_TACTIC:
            indices.append(index)
            return True
        return False


@dataclass
class EvidenceMessage:
    index: int
    sender: str
    ts: str | None
    tactics: dict[str, float]
    excerpt: str | None = None


@dataclass
class ConversationState:
    id: str
    messages: int = 0
    participants: dict[str, Participant] = field(default_factory=dict)
    evidence: dict[int, EvidenceMessage] = field(default_factory=dict)
    alert: bool = False
    category: str | None = None
    first_alert_index: int | None = None
    tier: Tier = Tier.NONE
    grooming_score: float = 0.0
    sextortion_score: float = 0.0
    first_harm_index: int | None = None
    last_age_probe_by: str | None = None
    age_probe_index: int | None = None
    last_sender: str | None = None
    # Seconds since the epoch of the first and latest timestamped message, where given
    first_ts: float | None = None
    last_ts: float | None = None
    # The sextortion moment model (moment_model.py): the highest moment so far, the latest
    # message's logit (judged in a pair with the next) and its context term for the next
    # one (numbers, never the message)
    moment_score: float = 0.0
    moment_context: float = 0.0
    moment_logit: float = 0.0
    # With a memory (moment_memory.py): per participant, K numbers (a decaying mean of their
    # messages' projections); empty without one
    memories: dict[str, list[float]] = field(default_factory=dict)
    # With the previous message in the moment model's hidden layer: the H numbers the latest
    # message hands the next one (moment_model.Terms.carry); empty without it
    moment_carry: list[float] = field(default_factory=list)
    # With a recheck (moment_recheck.py): the latest message's moment logit before it (None
    # before the first), and what its e5 reading hands the next one (H + 1 numbers, empty
    # when it was not read again)
    moment_base: float | None = None
    recheck_carry: list[float] = field(default_factory=list)
    # Per language code, how many of the conversation's words are that language's common
    # words (language.py): which thresholds it is judged by, where the bundle has them
    languages: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["evidence"] = [asdict(e) for e in self.evidence.values()]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConversationState:
        data = dict(data)
        participants = {k: _participant(v) for k, v in data.pop("participants").items()}
        evidence = {int(e["index"]): EvidenceMessage(**e) for e in data.pop("evidence")}
        tier = Tier(data.pop("tier", Tier.NONE))
        return cls(participants=participants, evidence=evidence, tier=tier, **data)


def _participant(data: dict[str, Any]) -> Participant:
    """A stored participant; one stored before `stated_age` existed (session 47) kept a
    stated age only in `age`, which the model must go on reading mid-conversation."""
    if "stated_age" not in data and data.get("age_source") == "stated":
        data = {**data, "stated_age": data.get("age")}
    return Participant(**data)
