"""The sentence-embedding seam: the detectors only need unit vectors for short texts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]

# The encoders' matrix products run in one thread. Their micro-batches are small (a streamed
# message is a few tokens), so a second thread only waits on the first: measured on the
# 2-core machine (docs/benchmarks.md), the shipped encoder with two threads gave one message
# in 10 ms median, 455 ms p99 and 289 messages/s batch; with one, 1.4 ms, 9.5 ms and 1,348
# messages/s. Scale across cores with processes (web workers), not threads.
THREADS = 1


class Embedder(Protocol):
    """Maps texts to L2-normalised float32 rows, so a dot product is a cosine similarity."""

    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> Vectors: ...


def unit_rows(vectors: npt.ArrayLike) -> Vectors:
    """Rows scaled to length 1 (a zero row stays zero), as float32."""
    out = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    unit: Vectors = (out / np.maximum(norms, 1e-12)).astype(np.float32)
    return unit
