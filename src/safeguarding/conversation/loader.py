"""Choosing the sentence encoder and the trained models that go with it: the multilingual
Universal Sentence Encoder when installed (the `model` extra), else lexical features only. A
missing encoder is never an error unless it was asked for by name.

The shipped models live in `data/model/` beside this file, one bundle per feature set:
`use` (with the encoder's sentence embeddings) and `lexical` (without); each is a tactic
model (`tactics-NAME.npz`), a conversation model (`risk-NAME.json`) and, where trained with
them, a sextortion moment model (`moment-NAME.npz`) and its second reading by e5
(`recheck-NAME.npz`, moment_recheck.py). The model card is `data/model/MODEL_CARD.md`;
`safeguarding conversation train` rebuilds them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal, TypeVar

from safeguarding.conversation.detector import MessageDetector
from safeguarding.conversation.embedding.base import Embedder
from safeguarding.conversation.moment_model import MomentModel
from safeguarding.conversation.moment_recheck import Recheck
from safeguarding.conversation.risk_model import RiskModel
from safeguarding.conversation.semantic import SemanticScorer, load_phrases
from safeguarding.conversation.tactic_model import TacticModel
from safeguarding.errors import MissingDependencyError

ModelChoice = Literal["auto", "use", "none"]
T = TypeVar("T")
log = logging.getLogger(__name__)


def load_embedder(choice: ModelChoice) -> Embedder | None:
    if choice == "none":
        return None
    from safeguarding.conversation.embedding.use import UseEmbedder

    try:
        return UseEmbedder()
    except MissingDependencyError:
        if choice != "auto":
            raise
        log.info("sentence encoder not installed: lexical features only")
        return None


def bundle_name(embedder: Embedder | None) -> str:
    return "use" if embedder is not None else "lexical"


def load_bundle(name: str, directory: Path | None = None) -> tuple[TacticModel, RiskModel]:
    """The shipped (or, with `directory`, a freshly trained) tactic and conversation models."""
    if directory is not None:
        return (
            TacticModel.load(directory / f"tactics-{name}.npz"),
            RiskModel.load(directory / f"risk-{name}.json"),
        )
    root = resources.files("safeguarding.conversation").joinpath("data/model")
    with resources.as_file(root.joinpath(f"tactics-{name}.npz")) as path:
        tactics = TacticModel.load(path)
    return tactics, RiskModel.load(Path(str(root.joinpath(f"risk-{name}.json"))))


def load_moment(name: str, directory: Path | None = None) -> MomentModel | None:
    """The bundle's sextortion moment model (moment_model.py), if it has one: a bundle
    trained before it existed has none, and its alerts come from the conversation model."""
    return _optional(f"moment-{name}.npz", MomentModel.load, directory)


def load_recheck(name: str, directory: Path | None = None) -> Recheck | None:
    """The bundle's second reading of the sextortion moment (moment_recheck.py), if it has
    one."""
    return _optional(f"recheck-{name}.npz", Recheck.load, directory)


def _optional(file: str, load: Callable[[Path], T], directory: Path | None) -> T | None:
    """A bundle file that a bundle may lack: from the folder given, else the shipped one."""
    if directory is not None:
        path = directory / file
        return load(path) if path.exists() else None
    found = resources.files("safeguarding.conversation").joinpath(f"data/model/{file}")
    if not found.is_file():
        return None
    with resources.as_file(found) as path:
        return load(path)


def detector_for(
    embedder: Embedder | None, directory: Path | None = None, second: Embedder | None = None
) -> MessageDetector:
    """The bundle's detector; with a recheck, its encoder (e5, the `model` extra) unless one
    is given (training passes its cache of vectors)."""
    name = bundle_name(embedder)
    tactics, risk = load_bundle(name, directory)
    semantic = SemanticScorer(embedder, load_phrases()) if embedder is not None else None
    recheck = load_recheck(name, directory)
    if recheck is not None and second is None:
        from safeguarding.conversation.embedding.e5 import E5Embedder

        second = E5Embedder()
    moment = load_moment(name, directory)
    return MessageDetector(tactics, risk, embedder, semantic, moment, recheck, second)


@cache
def load_detector(choice: ModelChoice = "auto") -> MessageDetector:
    """One detector per process and choice: loading the encoder takes a second."""
    return detector_for(load_embedder(choice))
