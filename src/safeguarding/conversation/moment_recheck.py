"""The sextortion moment read a second time, by a second encoder, on the messages the moment
model already finds suspicious.

Why: the moment model (moment_model.py) reads a message through the shipped sentence encoder,
and a first threat, often oblique, and the child's reply are where that reading is weakest.
Read by multilingual-e5-small as well (embedding/e5.py), the moment alone reached more first
threats in time at the same benign budget, held out and on sources never seen
(bench/moment_encoders.py). e5 costs about 20 ms a message against the shipped encoder's
0.5 ms, so it runs only where it can change an alert: on a message whose moment logit
reaches the gate, or whose previous message's did (the reply to a threat is the other half
of the pair). The gate is a quantile of the training sources' benign messages' out-of-source
logits (training/trainer.py, RECHECK_GATE), so about that share of ordinary messages pays
for e5.

The rule, one for streaming and for training:
  due_i      = logit_i >= gate or logit_{i-1} >= gate        (logit: the moment model's)
  logit'_i   = recheck_i if due_i else logit_i   (below the gate)
  recheck_i  = (linear_i + hidden_i) / 2 over [dense_i, e5_i, e5_{i-1}]
where dense_i is the moment model's dense inputs (the shipped encoder's embedding and the
pattern scores), and e5_{i-1} is zeros unless message i-1 was due too (it was embedded only
then). Every message that could alert on its first reading alone is read again, so the
second reading decides every alert the moment model would raise. The pair rule then judges
logit' as it judges logit.

What the state keeps between messages: after a due message, what its e5 embedding adds to
the next message's recheck (the linear term and the hidden units' pre-activations, H + 1
numbers, `carry`); never the message or its embedding.

File format (NPZ, loaded with allow_pickle=False):
  linear  float32 [D + 2F]   weights of dense_i, e5_i, e5_{i-1}
  bias    float32 [1]
  hidden_mean ... hidden_bias   one hidden layer over the same D + 2F inputs (moment_model.Hidden)
  meta    uint8 [n]          UTF-8 JSON: {"embedder": e5's name, "dense_dim": D,
                             "embedding_dim": F, "gate": float, "version": str}"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from safeguarding.conversation.moment_model import HIDDEN_ARRAYS, Hidden, hidden_fits
from safeguarding.errors import ConversationError

Floats = npt.NDArray[np.float32]


def due(logit: float, before: float | None, gate: float) -> bool:
    """Whether a message is read again: its logit or the previous one's reached the gate
    (None: no message before)."""
    return logit >= gate or (before is not None and before >= gate)


@dataclass(frozen=True)
class Recheck:
    linear: Floats
    bias: float
    hidden: Hidden
    embedder: str
    dense_dim: int
    gate: float
    version: str

    @property
    def embedding_dim(self) -> int:
        return (int(self.linear.shape[0]) - self.dense_dim) // 2

    def first_carry(self) -> Floats:
        """What "no reading of the message before" hands on: its e5 columns as zeros, as
        training saw them."""
        return self.carry(np.zeros(self.embedding_dim, np.float32))

    def carry(self, embedding: Floats) -> Floats:
        """What a due message's e5 embedding adds to the next message's recheck: its linear
        term, then the hidden units' pre-activations from it."""
        start = self.dense_dim + self.embedding_dim
        term = float(embedding @ self.linear[start:])
        return np.concatenate([[term], self.hidden.pre(embedding, start=start)]).astype(np.float32)

    def logit(self, dense: Floats, embedding: Floats, carried: Floats | None) -> float:
        """A due message's logit from its dense inputs, its e5 embedding and what the message
        before handed on (None: it was not due, or there was none)."""
        before = self.first_carry() if carried is None else carried
        own = np.concatenate([dense, embedding]).astype(np.float32)
        linear = float(own @ self.linear[: own.shape[0]]) + float(before[0]) + self.bias
        hidden = float(self.hidden.finish(self.hidden.pre(own) + before[1:]))
        return (linear + hidden) / 2

    def step(
        self,
        logit: float,
        before: float | None,
        dense: Floats,
        read: Callable[[], Floats],
        carried: Floats | None,
    ) -> tuple[float, Floats | None]:
        """One message under the rule (the module docstring): its logit after the second
        reading and what it hands the next message (None: it was not read again). `read`
        embeds the message with e5, called only when it is due."""
        if not due(logit, before, self.gate):
            return logit, None
        vector = read()
        return self.logit(dense, vector, carried), self.carry(vector)

    def conversation(
        self, logits: Floats, dense: Floats, read: Callable[[int], Floats]
    ) -> tuple[Floats, list[int]]:
        """A whole conversation's logits after the second reading, and which messages were
        read again (`read(i)` embeds message i)."""
        out: list[float] = []
        read_again: list[int] = []
        before: float | None = None
        carried: Floats | None = None
        for i, logit in enumerate(logits.tolist()):
            value, carried = self.step(logit, before, dense[i], partial(read, i), carried)
            if carried is not None:
                read_again.append(i)
            before = logit
            out.append(value)
        return np.array(out, np.float32), read_again

    def save(self, path: Path) -> None:
        meta = {
            "embedder": self.embedder,
            "dense_dim": self.dense_dim,
            "embedding_dim": self.embedding_dim,
            "gate": self.gate,
            "version": self.version,
        }
        arrays: dict[str, Any] = {
            "linear": self.linear.astype(np.float32),
            "bias": np.array([self.bias], np.float32),
            "meta": np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
        }
        np.savez_compressed(path, **(arrays | self.hidden.arrays()))

    @classmethod
    def load(cls, path: Path | Any) -> Recheck:
        with np.load(path, allow_pickle=False) as data:
            try:
                meta = json.loads(bytes(data["meta"]).decode("utf-8"))
                linear = data["linear"].astype(np.float32)
                bias = data["bias"].astype(np.float32)
                layer = [data[k].astype(np.float32) for k in HIDDEN_ARRAYS]
                d, f, gate = int(meta["dense_dim"]), int(meta["embedding_dim"]), meta["gate"]
            except (KeyError, ValueError, TypeError) as exc:
                raise ConversationError(f"moment recheck {path}: not a recheck file") from exc
        width = d + 2 * f
        if (
            linear.shape != (width,)
            or bias.shape != (1,)
            or not isinstance(gate, float)
            or not np.isfinite(gate)
            or not hidden_fits(layer, width)
        ):
            raise ConversationError(f"moment recheck {path}: arrays do not match its metadata")
        return cls(
            linear,
            float(bias[0]),
            Hidden.of(layer),
            str(meta["embedder"]),
            d,
            gate,
            str(meta["version"]),
        )
