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
and, from `use` version 7, a hidden layer over the message's own dense inputs (E + R = D):
  hidden_mean, hidden_scale  float32 [D]     standardisation of dense_i
  hidden_w   float32 [D, H]   hidden_b  float32 [H]     ReLU units
  hidden_out float32 [H]      hidden_bias float32 [1]
linear_i = lexical . W_lex + dense_i . W_dense + bias + embedding_{i-1} . W_context
           (no context term for the first message)
hidden_i = relu(((dense_i - hidden_mean) / hidden_scale) . hidden_w + hidden_b) . hidden_out
           + hidden_bias, bounded to +-ln(1e7)
logit of message i = linear_i, or (linear_i + hidden_i) / 2 with a hidden layer
moment after message i = sigmoid((logit_i + logit_{i-1}) / 2)   (logit_{-1} = 0: even odds)

Why a pair of messages (from version 5): an oblique first threat and the child's confused
reply each score only moderately, while a benign chat's one-off spike (a joke about
"exposing" someone, then "lol") is a single message. Judged on the pair, the benign spikes
fall and the threshold with them: held out on 20 sources at the same 1% budget, sextortion
alerted on time rose from 260 to 288 of 395 (shared files 43 -> 49 of 60) with grooming and
benign alerts unchanged, against a mean over three messages (278-287) or the maximum of the
single message and the pair (260: the single spikes set the threshold again). Before the
first message the logit is 0 (nothing known), so a chat that opens with the threat is judged
at its first message like any other.

Why a hidden layer beside the linear model (from `use` version 7): an oblique first threat is
a combination ("saved" and "call" and "your family", or a fake's picture and a name), which
a linear reading of the sentence embedding misses. A small network (64 ReLU units) over the
message's embedding and pattern scores, averaged with the linear model's logit, reached more
first threats in time at the same benign budget (the moment alone, held out on 27 sources:
see docs/conversation.md, "Version 7"). Only the message's own inputs reach it, so the state
still carries one number between messages (half the linear context term). From `use` version
9 the layer holds three such networks side by side, their logits averaged (192 units, the
same arrays; training/fit.py, fit_hidden).

With a memory (moment_memory.py) the hidden layer also reads what the sender and the others
have said so far, so its logit is computed message by message with the conversation's state
(`MomentModel.step`); the file then holds the memory's arrays and the hidden layer reads
D + 2K inputs.

With `"hidden_previous": true` in the metadata (optional, `MOMENT_PREVIOUS` in
training/trainer.py; not with a memory) the hidden layer also reads the previous message's
embedding (D + E inputs, zeros before the first message): an oblique opener and the confused
reply to it are a combination across two messages that the pair rule only adds up. Session
12's replay of the moment alone measured it ahead of the shipped layer (docs/conversation.md,
"Version 7"). The previous message reaches the next one as the units' pre-activations from
its embedding (H numbers, `Terms.carry`), which the state keeps until the next message
replaces them (`ConversationState.moment_carry`): numbers derived from one message, never
the message or its embedding."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from safeguarding.conversation import lexical
from safeguarding.conversation.moment_memory import ARRAYS as MEMORY_ARRAYS
from safeguarding.conversation.moment_memory import Memory
from safeguarding.conversation.tactic_model import RULE_TACTICS, MessageInputs
from safeguarding.errors import ConversationError

Floats = npt.NDArray[np.float32]


def pair(logit: float, before: float) -> float:
    """The moment after a message: its logit judged together with the one before it (see
    the module docstring). The one rule for streaming and for training."""
    return 1.0 / (1.0 + math.exp(-(logit + before) / 2))


def pairs(logits: Floats) -> Floats:
    """The moment after each message of one conversation from its messages' logits."""
    values = [float(v) for v in logits]
    before = [0.0, *values[:-1]]
    return np.array([pair(a, b) for a, b in zip(values, before, strict=True)], np.float32)


# The hidden logit is bounded at a probability of 1e-7 either way: the network's output
# saturates far below that on a third of ordinary messages, and unbounded, one very ordinary
# message would veto the next in the pair rule. The bound is what the replay measured.
HIDDEN_LIMIT = math.log(1e7)
HIDDEN_ARRAYS = ("hidden_mean", "hidden_scale", "hidden_w", "hidden_b", "hidden_out", "hidden_bias")


@dataclass(frozen=True)
class Hidden:
    """One hidden layer of ReLU units over a message's standardised dense inputs."""

    mean: Floats
    scale: Floats
    w: Floats
    b: Floats
    out: Floats
    bias: float

    @classmethod
    def of(cls, arrays: Sequence[npt.NDArray[Any]]) -> Hidden:
        """From its six arrays in file order (HIDDEN_ARRAYS), as float32; the bias a 1-array."""
        mean, scale, w, b, out, bias = (np.asarray(a, dtype=np.float32) for a in arrays)
        return cls(mean, scale, w, b, out, float(bias.reshape(-1)[0]))

    def logit(self, dense: Floats) -> Floats:
        return self.finish(self.pre(dense))

    def pre(self, inputs: Floats, start: int = 0) -> Floats:
        """The units' pre-activations from the inputs in columns start.. (all: with b)."""
        end = start + inputs.shape[-1]
        pre: Floats = np.matmul(
            (inputs - self.mean[start:end]) / self.scale[start:end], self.w[start:end]
        )
        return pre + self.b if start == 0 else pre

    def finish(self, pre: Floats) -> Floats:
        logit: Floats = np.clip(
            np.maximum(pre, 0.0) @ self.out + self.bias, -HIDDEN_LIMIT, HIDDEN_LIMIT
        )
        return logit.astype(np.float32)

    def arrays(self) -> dict[str, Floats]:
        values = (self.mean, self.scale, self.w, self.b, self.out, np.array([self.bias]))
        return {
            k: np.asarray(v, dtype=np.float32) for k, v in zip(HIDDEN_ARRAYS, values, strict=True)
        }


@dataclass(frozen=True)
class Terms:
    """A batch of messages' parts of the moment: each one's own logit (without the previous
    message and, with a memory, without the hidden layer), the context term it adds to the
    next message's logit, and with a memory the hidden units' pre-activations from its own
    inputs and its projection for the memory; with `previous`, also what each message hands
    to the next one's hidden units (`carry`)."""

    own: Floats
    context: Floats
    pre: Floats | None = None
    projection: Floats | None = None
    carry: Floats | None = None


@dataclass(frozen=True)
class MomentModel:
    lexical: Floats
    dense: Floats
    context: Floats
    bias: float
    embedder: str | None
    version: str
    hidden: Hidden | None = None
    memory: Memory | None = None
    previous: bool = False

    @property
    def embedding_dim(self) -> int:
        return int(self.context.shape[0])

    @property
    def stepped(self) -> bool:
        """Whether a message's logit needs the conversation's state (`step`)."""
        return self.hidden is not None and (self.memory is not None or self.previous)

    def first_carry(self) -> Floats:
        """What "no message before" hands the first message's hidden units: the units'
        pre-activations from a zero embedding, as training saw it."""
        assert self.hidden is not None
        start = int(self.dense.shape[0])
        return self.hidden.pre(np.zeros(self.embedding_dim, np.float32), start=start)

    def terms(self, inputs: MessageInputs) -> Terms:
        """Per message, its own logit (without the previous message) and the context term it
        adds to the next message's logit (and, with a memory, what `step` needs)."""
        own = inputs.lexical_scores(self.lexical.reshape(-1, 1))[:, 0]
        dense = inputs.dense(
            self.embedding_dim, f"sextortion moment model {self.version} ({self.embedder})"
        )
        # The context term reads the embedding columns alone (dense's first E columns).
        embedding = dense[:, : self.embedding_dim]
        context = (embedding @ self.context).astype(np.float32)
        own = (own + dense @ self.dense + self.bias).astype(np.float32)
        if self.hidden is None:
            return Terms(own, context)
        # The mean of the linear and the hidden logits: the previous message's context term
        # is halved with the rest of the linear part.
        half = np.float32(0.5)
        if self.previous:
            carry = self.hidden.pre(embedding, start=int(self.dense.shape[0]))
            return Terms(half * own, half * context, self.hidden.pre(dense), None, carry)
        if self.memory is None:
            return Terms(half * (own + self.hidden.logit(dense)), half * context)
        return Terms(
            half * own,
            half * context,
            self.hidden.pre(dense),
            self.memory.project(dense),
        )

    def step(
        self,
        own: float,
        pre: Floats | None,
        projection: Floats | None,
        sender: str,
        memories: dict[str, list[float]],
        carried: Floats | list[float] | None = None,
    ) -> float:
        """A message's logit without the previous message's context term: its own part (from
        `terms`) and, with a memory, the hidden layer's logit over its pre-activations and
        the participants' memories, which it then updates with this message; with
        `previous`, over its pre-activations and what the message before it carried (None:
        it is the first)."""
        if self.previous and self.hidden is not None and pre is not None:
            before = self.first_carry() if carried is None else np.asarray(carried, np.float32)
            return own + 0.5 * float(self.hidden.finish(pre + before))
        if self.memory is None or self.hidden is None or pre is None or projection is None:
            return own
        remembered = self.memory.context(sender, memories)
        full = pre + self.hidden.pre(remembered, start=self.memory.mean.shape[0])
        memories[sender] = self.memory.remember(memories.get(sender, []), projection)
        return own + 0.5 * float(self.hidden.finish(full))

    def conversation(
        self, normalised: list[str], embeddings: Floats | None, senders: list[str] | None = None
    ) -> Floats:
        """The moment after each of one whole conversation's messages, in order (a model with
        a memory needs each message's sender)."""
        return pairs(self.logits(normalised, embeddings, senders))

    def logits(
        self, normalised: list[str], embeddings: Floats | None, senders: list[str] | None = None
    ) -> Floats:
        """Each message's logit with the previous message's context term, before the pair
        rule (what moment_recheck.py gates on)."""
        terms = self.terms(MessageInputs.of(normalised, embeddings))
        if self.memory is not None and senders is None:
            raise ValueError("a moment model with a memory needs the senders")
        own = terms.own
        if self.previous and terms.pre is not None and terms.carry is not None:
            carries = [None, *terms.carry[:-1]]
            own = np.array(
                [
                    self.step(float(terms.own[i]), terms.pre[i], None, "", {}, c)
                    for i, c in enumerate(carries)
                ],
                dtype=np.float32,
            )
        elif self.memory is not None and senders is not None:
            memories: dict[str, list[float]] = {}
            assert terms.pre is not None and terms.projection is not None
            steps = [
                self.step(float(terms.own[i]), terms.pre[i], terms.projection[i], s, memories)
                for i, s in enumerate(senders)
            ]
            own = np.array(steps, dtype=np.float32)
        previous = np.concatenate([np.zeros(1, dtype=np.float32), terms.context[:-1]])
        logits: Floats = (own + previous).astype(np.float32)
        return logits

    def save(self, path: Path) -> None:
        meta = {
            "embedder": self.embedder,
            "embedding_dim": self.embedding_dim,
            "version": self.version,
        }
        if self.previous:
            meta["hidden_previous"] = True
        arrays: dict[str, Any] = {
            "lexical": self.lexical.astype(np.float16),
            "dense": self.dense.astype(np.float32),
            "context": self.context.astype(np.float32),
            "bias": np.array([self.bias], dtype=np.float32),
            "meta": np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
        }
        if self.hidden is not None:
            arrays |= self.hidden.arrays()
        if self.memory is not None:
            arrays |= self.memory.arrays()
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: Path | Any) -> MomentModel:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(bytes(data["meta"]).decode("utf-8"))
            lex = data["lexical"].astype(np.float32)
            dense = data["dense"].astype(np.float32)
            context = data["context"].astype(np.float32)
            bias = data["bias"].astype(np.float32)
            layer = (
                [data[k].astype(np.float32) for k in HIDDEN_ARRAYS]
                if HIDDEN_ARRAYS[0] in data.files
                else None
            )
            present = set(MEMORY_ARRAYS) & set(data.files)
            if present and present != set(MEMORY_ARRAYS):
                raise ConversationError(f"moment model {path}: arrays do not match its metadata")
            remembered = Memory.of([data[k] for k in MEMORY_ARRAYS]) if present else None
        e = int(meta["embedding_dim"])
        d = e + len(RULE_TACTICS)
        previous = bool(meta.get("hidden_previous", False))
        extra = 2 * remembered.size if remembered else (e if previous else 0)
        if (
            lex.shape != (lexical.BUCKETS,)
            or dense.shape != (d,)
            or context.shape != (e,)
            or bias.shape != (1,)
            or (remembered is not None and (layer is None or not remembered.fits(d)))
            or (previous and (layer is None or remembered is not None))
            or (layer is not None and not hidden_fits(layer, d + extra))
        ):
            raise ConversationError(f"moment model {path}: arrays do not match its metadata")
        hidden = Hidden.of(layer) if layer is not None else None
        return cls(
            lex,
            dense,
            context,
            float(bias[0]),
            meta["embedder"],
            str(meta["version"]),
            hidden,
            remembered,
            previous,
        )


def hidden_fits(layer: list[Floats], d: int) -> bool:
    mean, scale, w, b, out, bias = layer
    units = b.shape[0] if b.ndim == 1 else -1
    return (
        mean.shape == (d,)
        and scale.shape == (d,)
        and bool((scale > 0).all())
        and w.shape == (d, units)
        and out.shape == (units,)
        and bias.shape == (1,)
    )
