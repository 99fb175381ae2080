"""The sextortion moment model's memory of the chat so far (bundles with an embedding, from the
first one trained with it): what each participant has been saying, as a few numbers.

Why: the misses the moment model leaves are mostly chats already inside an extortion (a
payment made, a promise to delete broken, a new account after a block) where the first
threat leans on what came before, and an opener whose meaning shows only beside the
messages around it. The pair rule (moment_model.pair) sees one message back. With the
memory the hidden layer reads, beside message i's own inputs, what its sender has said so
far and what the others have. Measured on 51 sources in five folds by source, the moment
alone with a fixed share of benign conversations: sextortion on time 1,192 -> 1,407 of
1,755 at 0.5% of benign, 1,358 -> 1,483 at 1%, with K = 16 (docs/conversation.md,
"Session 17").

What is kept: per participant, a decaying mean of the projections of their messages' dense
inputs (embedding and pattern scores, standardised) onto K directions of largest variance in
the training messages (principal components; K = 16 measured best). K numbers per
participant, never a message or its embedding; the state stays the same size however long
the chat runs.

The one rule, for streaming and for training (`MemoryRule.contexts`):
  own_p   <- decay * own_p + (1 - decay) * projection_i     after each message i by p
  context of message i by s = [own_s, mean of own_q over the other participants q so far]
(zeros before anything is known). In a chat of two the second half is the other's own.

File format (in the moment model's NPZ, all or none):
  memory_mean, memory_scale  float32 [D]      standardisation of the dense inputs
  memory_components          float32 [K, D]   the directions
  memory_decay               float32 [1]
The hidden layer then reads D + 2K inputs: dense_i, own_s, others_s."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32]
# Memories are kept rounded, so a state that went through JSON gives what one kept in
# memory does (streaming and batch scoring agree to the last digit).
DIGITS = 5
ARRAYS = ("memory_mean", "memory_scale", "memory_components", "memory_decay")


@dataclass(frozen=True)
class Memory:
    mean: Floats
    scale: Floats
    components: Floats
    decay: float

    @property
    def size(self) -> int:
        return int(self.components.shape[0])

    def project(self, dense: Floats) -> Floats:
        """Each message's K numbers (rows of dense inputs -> [n, K])."""
        projected: Floats = (((dense - self.mean) / self.scale) @ self.components.T).astype(
            np.float32
        )
        return projected

    def remember(self, own: list[float], projection: Floats) -> list[float]:
        """A participant's memory after one more message of theirs."""
        before = np.asarray(own, dtype=np.float32) if own else np.zeros(self.size, np.float32)
        after = self.decay * before + (1.0 - self.decay) * projection
        return [round(float(v), DIGITS) for v in after]

    def context(self, sender: str, memories: dict[str, list[float]]) -> Floats:
        """Message's memory inputs: its sender's memory, then the mean of the others'."""
        zero = np.zeros(self.size, np.float32)
        own = np.asarray(memories[sender], np.float32) if memories.get(sender) else zero
        others = [np.asarray(v, np.float32) for k, v in memories.items() if k != sender and v]
        heard = np.mean(others, axis=0).astype(np.float32) if others else zero
        return np.concatenate([own, heard])

    def contexts(self, senders: Sequence[str], dense: Floats) -> Floats:
        """The memory inputs of each message of one whole conversation, in order ([n, 2K])."""
        projections = self.project(dense)
        memories: dict[str, list[float]] = {}
        out = np.zeros((len(senders), 2 * self.size), np.float32)
        for i, sender in enumerate(senders):
            out[i] = self.context(sender, memories)
            memories[sender] = self.remember(memories.get(sender, []), projections[i])
        return out

    def arrays(self) -> dict[str, Floats]:
        values = (self.mean, self.scale, self.components, np.array([self.decay]))
        return {k: np.asarray(v, dtype=np.float32) for k, v in zip(ARRAYS, values, strict=True)}

    @classmethod
    def of(cls, arrays: Sequence[npt.NDArray[np.float32]]) -> Memory:
        mean, scale, components, decay = (np.asarray(a, dtype=np.float32) for a in arrays)
        return cls(mean, scale, components, float(decay.reshape(-1)[0]))

    def fits(self, d: int) -> bool:
        return (
            self.mean.shape == (d,)
            and self.scale.shape == (d,)
            and bool((self.scale > 0).all())
            and self.components.ndim == 2
            and self.components.shape[1] == d
            and 0.0 <= self.decay < 1.0
        )


def fit_memory(dense: npt.NDArray[np.float64], size: int, decay: float) -> Memory:
    """The K directions of largest variance of these messages' standardised dense inputs
    (a deterministic subsample of at most 20,000 rows keeps the SVD quick)."""
    mean = dense.mean(axis=0)
    scale = dense.std(axis=0) + 1e-3
    step = max(1, len(dense) // 20000)
    _, _, vt = np.linalg.svd((dense[::step] - mean) / scale, full_matrices=False)
    # A component's sign is arbitrary; fix it so the same data gives the same file.
    signs = np.sign(vt[:size, np.argmax(np.abs(vt[:size]), axis=1)].diagonal())
    components = vt[:size] * np.where(signs == 0, 1.0, signs)[:, None]
    return Memory(
        mean.astype(np.float32),
        scale.astype(np.float32),
        components.astype(np.float32),
        decay,
    )
