"""Per-message signals: the probability of each tactic from the learned tactic model
(tactic_model.py, over lexical features, the sentence embedding when installed, and the
explicit patterns), whether the message tells of a threat received (a disclosure), asks a
question, or addresses family."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from safeguarding.conversation.blas import one_thread
from safeguarding.conversation.disclosure import is_disclosure
from safeguarding.conversation.embedding.base import Embedder
from safeguarding.conversation.moment_model import MomentModel, Terms
from safeguarding.conversation.moment_recheck import Recheck
from safeguarding.conversation.normalize import normalize
from safeguarding.conversation.risk_model import RiskModel
from safeguarding.conversation.rules import addresses_family
from safeguarding.conversation.semantic import SemanticScorer
from safeguarding.conversation.tactic_model import MessageInputs, TacticModel, sigmoid
from safeguarding.conversation.tactics import SEXTORTION_TACTICS, Tactic

# Analysis reads at most this much of one message; the rest costs nothing.
MAX_ANALYSED_CHARS = 4000
# The sentence encoder reads at most this much: its cost grows with the text (a 4,000-character
# message takes it about a third of a second), and chat lines are short (the longest of the
# 48,000 labelled messages is 379 characters; 99% are under 160).
MAX_EMBEDDED_CHARS = 400
# Probabilities below this are dropped from a message's signals (they add nothing the
# conversation model can use, and keep the state small).
KEEP = 0.05


@dataclass(frozen=True)
class MessageSignals:
    text: str  # normalised, for the rules and age parsing
    tactics: dict[Tactic, float] = field(default_factory=dict)
    disclosure: bool = False
    question: bool = False
    family: bool = False
    # The sextortion moment model's logit of this message without its context, and the
    # context term it adds to the next message's (moment_model.py); None without the model.
    moment: float | None = None
    moment_context: float = 0.0
    # With a memory (moment_memory.py): the hidden units' pre-activations from this message
    # and its projection for the memory; read once by the analyzer, never stored.
    moment_pre: npt.NDArray[np.float32] | None = None
    moment_projection: npt.NDArray[np.float32] | None = None
    # With the previous message in the hidden layer: what this message hands the next
    # one's hidden units (kept in the state until the next message replaces it).
    moment_carry: npt.NDArray[np.float32] | None = None
    # With a recheck (moment_recheck.py): the moment model's dense inputs of this message,
    # read again if the message is due; never stored.
    moment_dense: npt.NDArray[np.float32] | None = None


@dataclass(frozen=True)
class Prepared:
    """What the models read of a batch of messages."""

    normalised: list[str]
    embeddings: npt.NDArray[np.float32] | None
    semantic_disclosure: npt.NDArray[np.bool_] | None


class MessageDetector:
    def __init__(
        self,
        tactics: TacticModel,
        risk: RiskModel,
        embedder: Embedder | None = None,
        semantic: SemanticScorer | None = None,
        moment: MomentModel | None = None,
        recheck: Recheck | None = None,
        second: Embedder | None = None,
    ) -> None:
        if (tactics.embedding_dim > 0) != (embedder is not None) or (
            moment is not None and moment.embedding_dim != tactics.embedding_dim
        ):
            raise ValueError("the tactic model and the embedder do not go together")
        if recheck is not None and (
            moment is None
            or second is None
            or second.name != recheck.embedder
            or second.dimension != recheck.embedding_dim
            or recheck.dense_dim != moment.dense.shape[0]
        ):
            raise ValueError(
                "the moment recheck, its encoder and the moment model do not go together"
            )
        self.tactic_model = tactics
        self.risk = risk
        self.embedder = embedder
        self.semantic = semantic
        self.moment = moment
        self.recheck = recheck
        self.second = second

    @property
    def model_name(self) -> str | None:
        return self.embedder.name if self.embedder else None

    @property
    def version(self) -> str:
        return f"{self.tactic_model.version}/{self.risk.version}"

    def detect(self, texts: list[str]) -> list[MessageSignals]:
        if not texts:
            return []
        with one_thread():
            prepared = prepare(texts, self.embedder, self.semantic)
            inputs = MessageInputs.of(prepared.normalised, prepared.embeddings)
            probabilities = sigmoid(self.tactic_model.logits_of(inputs))
            moment = self.moment.terms(inputs) if self.moment is not None else None
            dense = None
            if self.recheck is not None and self.moment is not None:
                dense = inputs.dense(self.moment.embedding_dim, "sextortion moment recheck")
        return signals(prepared, probabilities, self.tactic_model.tactics, moment, dense)

    def second_reading(self, text: str) -> npt.NDArray[np.float32]:
        """A due message's e5 embedding (moment_recheck.py), of its text as written and
        clipped as the first encoder's input is."""
        assert self.second is not None
        with one_thread():
            vector: npt.NDArray[np.float32] = self.second.embed(
                [text[:MAX_ANALYSED_CHARS][:MAX_EMBEDDED_CHARS]]
            )[0]
        return vector


def prepare(
    texts: list[str], embedder: Embedder | None, semantic: SemanticScorer | None
) -> Prepared:
    clipped = [t[:MAX_ANALYSED_CHARS] for t in texts]
    normalised = [normalize(t) for t in clipped]
    embeddings = disclosure = None
    if embedder is not None and texts:
        embeddings = embedder.embed(
            [normalize(t[:MAX_EMBEDDED_CHARS], numbers=False) for t in clipped]
        )
        if semantic is not None:
            disclosure = semantic.disclosures(embeddings)
    return Prepared(normalised, embeddings, disclosure)


def signals(
    prepared: Prepared,
    probabilities: npt.NDArray[np.float32],
    columns: list[Tactic],
    moment: Terms | None = None,
    dense: npt.NDArray[np.float32] | None = None,
) -> list[MessageSignals]:
    out = []
    for i, text in enumerate(prepared.normalised):
        disclosure = is_disclosure(text) or bool(
            prepared.semantic_disclosure is not None and prepared.semantic_disclosure[i]
        )
        tactics = {
            t: round(float(p), 3)
            for t, p in zip(columns, probabilities[i], strict=True)
            if p >= KEEP
        }
        if disclosure:
            # Someone describing a threat they received is not making one.
            for tactic in SEXTORTION_TACTICS:
                tactics.pop(tactic, None)
        own, context = (
            (None, 0.0) if moment is None else (float(moment.own[i]), float(moment.context[i]))
        )
        out.append(
            MessageSignals(
                text,
                tactics,
                disclosure,
                "?" in text,
                addresses_family(text),
                own,
                context,
                None if moment is None or moment.pre is None else moment.pre[i],
                None if moment is None or moment.projection is None else moment.projection[i],
                None if moment is None or moment.carry is None else moment.carry[i],
                None if dense is None else dense[i],
            )
        )
    return out
