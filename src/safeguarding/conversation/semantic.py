"""Semantic similarity of messages to a curated, versioned set of example phrases per tactic.

Like Roblox's Sentinel, a message is compared with harmful and with ordinary example phrases;
unlike it, the comparison is per tactic, so a message can show "secrecy" without showing
"threat", and the conversation logic can reason about stages. A tactic counts only where
the message is closer to that tactic than to every ordinary phrase."""

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
# Cosine similarity below LOW says nothing; at HIGH and above the tactic is as sure as a
# semantic match gets. Set on the development set with the int8 model (docs/conversation.md).
LOW, HIGH = 0.50, 0.72


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

    def scores(self, texts: list[str]) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
        """Per message: a [tactics] score in [0, 1], and whether it reads as a disclosure."""
        sims = self.similarities(self.embedder.embed(texts))
        tactic = sims[:, :len(TACTICS)]
        benign = sims[:, -1:]
        disclosure = sims[:, -2]
        scores = np.clip((tactic - LOW) / (HIGH - LOW), 0.0, 1.0)
        scores[tactic <= benign] = 0.0
        return scores.astype(np.float32), (disclosure > np.maximum(tactic.max(axis=1),
                                                                   benign[:, 0])) & (
            disclosure >= LOW + 0.1)
