"""The sextortion moment: per message, the probability that it is a sextortion's first threat
or demand, or the reply right after it, read with the previous message as context.

Why beside the tactic model: a first threat is often oblique (a screenshot pointed at, the
threat left implied) and often opens the chat, so the `threat` and `demand` tactics score it
low and the conversation model alerts only at the next threat, too late. This model learns
the moment itself, from the writers' conversations: positives are the message tagged first
`threat` or `payment_demand` in each sextortion conversation and the message after it (often
the child's frightened reply, which says most); negatives are every message of the benign
conversations, hard negatives included (friends joking with blackmail, scams, a teenager
telling a friend about a threat). Its alert threshold is chosen with the conversation
model's, on out-of-source scores, within the same benign budget (training/trainer.py).

A logistic regression over the message's features (the tactic model's: hashed lexical
features, the sentence embedding, the pattern scores) plus the previous message's
embedding. The previous message enters only through one number, its context term (its
embedding times the context weights), so the state carries that number and never the
message or its embedding.

File format (NPZ, loaded with allow_pickle=False):
  lexical  float16 [lexical.BUCKETS]   weights of the hashed lexical features
  dense    float32 [E + R]             weights of the embedding (E, 0 without one) and of the
                                       R pattern scores (tactic_model.RULE_TACTICS)
  context  float32 [E]                 weights of the previous message's embedding
  bias     float32 [1]
  meta     uint8 [n]                   UTF-8 JSON: {"embedder": name or null,
                                       "embedding_dim": E, "version": str}
logit of message i = lexical . W_lex + dense_i . W_dense + bias + embedding_{i-1} . W_context
                     (no context term for the first message)
moment after message i = sigmoid((logit_i + logit_{i-1}) / 2)   (logit_{-1} = 0: even odds)

Why a pair of messages (from version 5): an oblique first threat and the child's confused
reply each score only moderately, while a benign chat's one-off spike (a joke about
"exposing" someone, then "lol") is a single message. Judged on the pair, the benign spikes
fall and the threshold with them: held out on 20 sources at the same 1% budget, sextortion
alerted on time rose from 260 to 288 of 395 (shared files 43 -> 49 of 60) with grooming and
benign alerts unchanged, against a mean over three messages (278-287) or the maximum of the
single message and the pair (260: the single spikes set the threshold again). Before the
first message the logit is 0 (nothing known), so a chat that opens with the threat is judged
at its first message like any other."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from safeguarding.conversation import lexical
from safeguarding.conversation.tactic_model import RULE_TACTICS, MessageInputs
from safeguarding.errors import ConversationError

Floats = npt.NDArray[np.float32]


def pair(logit: float, before: float) -> float:
    """The moment after a message: its logit judged together with the one before it (see
    the module docstring). The one rule for streaming and for training."""
    return 1.0 / (1.0 + math.exp(-(logit + before) / 2))


@dataclass(frozen=True)
class MomentModel:
    lexical: Floats
    dense: Floats
    context: Floats
    bias: float
    embedder: str | None
    version: str

    @property
    def embedding_dim(self) -> int:
        return int(self.context.shape[0])

    def terms(self, inputs: MessageInputs) -> tuple[Floats, Floats]:
        """Per message, its own logit (without the previous message) and the context term it
        adds to the next message's logit."""
        own = inputs.lexical_scores(self.lexical.reshape(-1, 1))[:, 0]
        dense = inputs.dense(
            self.embedding_dim, f"sextortion moment model {self.version} ({self.embedder})"
        )
        # The context term reads the embedding columns alone (dense's first E columns).
        embedding = dense[:, : self.embedding_dim]
        context = (embedding @ self.context).astype(np.float32)
        own = (own + dense @ self.dense + self.bias).astype(np.float32)
        return own, context

    def conversation(self, normalised: list[str], embeddings: Floats | None) -> Floats:
        """The moment after each of one whole conversation's messages, in order."""
        own, context = self.terms(MessageInputs.of(normalised, embeddings))
        logits = (own + np.concatenate([np.zeros(1, dtype=np.float32), context[:-1]])).tolist()
        before = [0.0, *logits[:-1]]
        return np.array([pair(a, b) for a, b in zip(logits, before, strict=True)], np.float32)

    def save(self, path: Path) -> None:
        meta = {
            "embedder": self.embedder,
            "embedding_dim": self.embedding_dim,
            "version": self.version,
        }
        np.savez_compressed(
            path,
            lexical=self.lexical.astype(np.float16),
            dense=self.dense.astype(np.float32),
            context=self.context.astype(np.float32),
            bias=np.array([self.bias], dtype=np.float32),
            meta=np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
        )

    @classmethod
    def load(cls, path: Path | Any) -> MomentModel:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(bytes(data["meta"]).decode("utf-8"))
            lex = data["lexical"].astype(np.float32)
            dense = data["dense"].astype(np.float32)
            context = data["context"].astype(np.float32)
            bias = data["bias"].astype(np.float32)
        e = int(meta["embedding_dim"])
        if (
            lex.shape != (lexical.BUCKETS,)
            or dense.shape != (e + len(RULE_TACTICS),)
            or context.shape != (e,)
            or bias.shape != (1,)
        ):
            raise ConversationError(f"moment model {path}: arrays do not match its metadata")
        return cls(lex, dense, context, float(bias[0]), meta["embedder"], str(meta["version"]))
