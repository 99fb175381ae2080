"""The sentence-embedding seam: the detectors only need unit vectors for short texts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Maps texts to L2-normalised float32 rows, so a dot product is a cosine similarity."""

    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> Vectors: ...
