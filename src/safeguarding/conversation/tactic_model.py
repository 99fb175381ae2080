"""The learned per-message tactic classifier: one logistic regression per tactic over a
message's hashed lexical features (lexical.py), its sentence embedding (when the bundle was
trained with one) and the explicit patterns' scores (rules.py).

File format (NPZ, numpy's zip of .npy arrays; no pickle, loaded with allow_pickle=False):
  lexical  float16 [lexical.BUCKETS, T]   weights of the hashed lexical features
  dense    float32 [E + R, T]             weights of the embedding (E, 0 without one) and
                                          of the R = len(Tactic) pattern scores
  bias     float32 [T]
  meta     uint8 [n]                      UTF-8 JSON: {"tactics": [names in column order],
                                          "embedder": name or null, "embedding_dim": E,
                                          "version": str}
A message's probability for tactic t is sigmoid(lexical . W_lex[:, t] + dense . W_dense[:, t]
+ bias[t])."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from safeguarding.conversation import lexical
from safeguarding.conversation.rules import rule_scores
from safeguarding.conversation.tactics import Tactic
from safeguarding.errors import ConversationError

RULE_TACTICS = list(Tactic)


def rule_matrix(normalised: list[str]) -> npt.NDArray[np.float32]:
    out = np.zeros((len(normalised), len(RULE_TACTICS)), dtype=np.float32)
    column = {t: i for i, t in enumerate(RULE_TACTICS)}
    for row, text in enumerate(normalised):
        for tactic, value in rule_scores(text).items():
            out[row, column[tactic]] = value
    return out


def sigmoid(x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    out: npt.NDArray[np.float32] = (0.5 * (1.0 + np.tanh(0.5 * x))).astype(np.float32)
    return out


@dataclass(frozen=True)
class MessageInputs:
    """What the per-message models read of a batch of messages, computed once for all of
    them: the hashed lexical rows (CSR parts), the pattern scores and the embeddings."""

    pointers: npt.NDArray[np.int64]
    indices: npt.NDArray[np.int64]
    values: npt.NDArray[np.float32]
    rules: npt.NDArray[np.float32]
    embeddings: npt.NDArray[np.float32] | None

    @classmethod
    def of(cls, normalised: list[str], embeddings: npt.NDArray[np.float32] | None) -> MessageInputs:
        pointers, indices, values = lexical.matrix(normalised)
        return cls(pointers, indices, values, rule_matrix(normalised), embeddings)

    def lexical_scores(self, weights: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """The hashed lexical rows times a [lexical.BUCKETS, k] weight matrix: [rows, k]."""
        return lexical.scores(self.pointers, self.indices, self.values, weights)

    def dense(self, embedding_dim: int, model: str) -> npt.NDArray[np.float32]:
        """The dense part a model reads: the embeddings (when it was trained with them)
        beside the pattern scores, in the column order of its `dense` weights."""
        if not embedding_dim:
            return self.rules
        if self.embeddings is None or self.embeddings.shape[1] != embedding_dim:
            raise ConversationError(f"{model} needs {embedding_dim}-dimensional embeddings")
        return np.hstack([self.embeddings.astype(np.float32), self.rules])


@dataclass(frozen=True)
class TacticModel:
    tactics: list[Tactic]
    lexical: npt.NDArray[np.float32]
    dense: npt.NDArray[np.float32]
    bias: npt.NDArray[np.float32]
    embedder: str | None
    version: str

    @property
    def embedding_dim(self) -> int:
        return int(self.dense.shape[0] - len(RULE_TACTICS))

    def logits(
        self, normalised: list[str], embeddings: npt.NDArray[np.float32] | None
    ) -> npt.NDArray[np.float32]:
        return self.logits_of(MessageInputs.of(normalised, embeddings))

    def logits_of(self, inputs: MessageInputs) -> npt.NDArray[np.float32]:
        dense = inputs.dense(self.embedding_dim, f"tactic model {self.version} ({self.embedder})")
        out = inputs.lexical_scores(self.lexical)
        out += dense @ self.dense
        out += self.bias
        return out

    def predict(
        self, normalised: list[str], embeddings: npt.NDArray[np.float32] | None
    ) -> npt.NDArray[np.float32]:
        """[messages, tactics] probabilities."""
        return sigmoid(self.logits(normalised, embeddings))

    def save(self, path: Path) -> None:
        meta = {
            "tactics": [t.value for t in self.tactics],
            "embedder": self.embedder,
            "embedding_dim": self.embedding_dim,
            "version": self.version,
        }
        np.savez_compressed(
            path,
            lexical=self.lexical.astype(np.float16),
            dense=self.dense.astype(np.float32),
            bias=self.bias.astype(np.float32),
            meta=np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
        )

    @classmethod
    def load(cls, path: Path | Any) -> TacticModel:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(bytes(data["meta"]).decode("utf-8"))
            lex = data["lexical"].astype(np.float32)
            dense = data["dense"].astype(np.float32)
            bias = data["bias"].astype(np.float32)
        tactics = [Tactic(t) for t in meta["tactics"]]
        if lex.shape != (lexical.BUCKETS, len(tactics)) or dense.shape != (
            int(meta["embedding_dim"]) + len(RULE_TACTICS),
            len(tactics),
        ):
            raise ConversationError(f"tactic model {path}: arrays do not match its metadata")
        return cls(tactics, lex, dense, bias, meta["embedder"], str(meta["version"]))
