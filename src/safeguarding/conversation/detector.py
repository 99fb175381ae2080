"""Per-message signals: the tactics a message shows, with explicit patterns and (when the
model is installed) semantic similarity combined."""

from __future__ import annotations

from dataclasses import dataclass, field

from safeguarding.conversation.normalize import normalize
from safeguarding.conversation.rules import addresses_family, is_disclosure, rule_scores
from safeguarding.conversation.semantic import TACTICS, SemanticScorer
from safeguarding.conversation.tactics import SEXTORTION_TACTICS, Tactic

# A semantic match alone is capped below a sure explicit pattern: the model knows what a
# message is about, not always who does what to whom.
SEMANTIC_CAP = 0.8
# Analysis reads at most this much of one message; the rest costs nothing.
MAX_ANALYSED_CHARS = 4000


@dataclass(frozen=True)
class MessageSignals:
    text: str                                    # normalised, for the rules and age parsing
    tactics: dict[Tactic, float] = field(default_factory=dict)
    disclosure: bool = False
    question: bool = False
    family: bool = False


class MessageDetector:
    def __init__(self, semantic: SemanticScorer | None = None) -> None:
        self.semantic = semantic

    @property
    def model_name(self) -> str | None:
        return self.semantic.embedder.name if self.semantic else None

    @property
    def phrases_version(self) -> str | None:
        return self.semantic.phrases.version if self.semantic else None

    def detect(self, texts: list[str]) -> list[MessageSignals]:
        clipped = [t[:MAX_ANALYSED_CHARS] for t in texts]
        normalised = [normalize(t) for t in clipped]
        semantic = disclosures = None
        if self.semantic is not None and texts:
            semantic, disclosures = self.semantic.scores(
                [normalize(t, numbers=False) for t in clipped])
        out = []
        for i, text in enumerate(normalised):
            tactics = rule_scores(text)
            disclosure = is_disclosure(text)
            if semantic is not None and disclosures is not None:
                row = semantic[i]
                for column, tactic in enumerate(TACTICS):
                    value = float(row[column]) * SEMANTIC_CAP
                    if value > tactics.get(tactic, 0.0):
                        tactics[tactic] = value
                disclosure = disclosure or bool(disclosures[i])
            if disclosure:
                # Someone describing a threat they received is not making one.
                for tactic in SEXTORTION_TACTICS:
                    tactics.pop(tactic, None)
            tactics = {t: round(v, 3) for t, v in tactics.items() if v >= 0.2}
            out.append(MessageSignals(text, tactics, disclosure, "?" in text,
                                      addresses_family(text)))
        return out
