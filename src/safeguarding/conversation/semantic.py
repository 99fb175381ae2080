"""Semantic similarity of messages to a curated, versioned set of example phrases.

The tactics themselves are scored by the learned tactic model (tactic_model.py); what is
used from here is whether a message reads as a disclosure (someone telling of a threat they
received), which the writers' tags do not mark: closer to a disclosure phrase than to every
tactic and ordinary phrase."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

from safeguarding.conversation.embedding.base import Embedder, Vectors
from safeguarding.conversation.tactics import Tactic

TACTICS = list(Tactic)
# Cosine similarity below LOW says nothing (set on the development set with the int8 model).
LOW = 0.50


@dataclass(frozen=True)
class PhraseSet:
    version: str
    tactics: dict[Tactic, list[str]]
    disclosure: list[str]
    benign: list[str]


def load_phrases(path: Path | None = None) -> PhraseSet:
    if path is None:
        raw = resources.files("safeguarding.conversation").joinpath("data/phrases.json")
        data = json.loads(raw.read_text(encoding="utf-8"))
    else:
        data = json.loads(path.read_text(encoding="utf-8"))
    return PhraseSet(
        version=str(data["version"]),
        tactics={Tactic(k): [str(p) for p in v] for k, v in data["tactics"].items()},
        disclosure=[str(p) for p in data["disclosure"]],
        benign=[str(p) for p in data["benign"]],
    )


class SemanticScorer:
    def __init__(self, embedder: Embedder, phrases: PhraseSet) -> None:
        self.embedder = embedder
        self.phrases = phrases
        groups: list[int] = []
        texts: list[str] = []
        for column, tactic in enumerate(TACTICS):
            for phrase in phrases.tactics.get(tactic, []):
                texts.append(phrase)
                groups.append(column)
        n = len(TACTICS)
        for phrase in phrases.disclosure:
            texts.append(phrase)
            groups.append(n)
        for phrase in phrases.benign:
            texts.append(phrase)
            groups.append(n + 1)
        self._matrix = embedder.embed(texts).T.copy()
        self._groups = np.array(groups)
        self._columns = n + 2

    def similarities(self, vectors: Vectors) -> npt.NDArray[np.float32]:
        """[messages, tactics + 2]: the best cosine per tactic, then disclosure, then benign."""
        sims = vectors @ self._matrix
        out = np.full((len(vectors), self._columns), -1.0, dtype=np.float32)
        for column in range(self._columns):
            mask = self._groups == column
            if mask.any():
                out[:, column] = sims[:, mask].max(axis=1)
        return out

    def disclosures(self, vectors: Vectors) -> npt.NDArray[np.bool_]:
        """Whether each embedded message reads as telling of a threat received: closer to a
        disclosure phrase than to any tactic or ordinary phrase."""
        sims = self.similarities(vectors)
        disclosure = sims[:, -2]
        others = np.maximum(sims[:, : len(TACTICS)].max(axis=1), sims[:, -1])
        result: npt.NDArray[np.bool_] = (disclosure > others) & (disclosure >= LOW + 0.1)
        return result
