"""Labelled conversations turned into what training reads: every message prepared once
(normalised, embedded), its tactic tags as a 0/1 matrix, and where each conversation's
messages start. Phrase lines (lines.py), where given, follow the last conversation's
messages: tagged rows of no conversation and no source."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from safeguarding.conversation.detector import Prepared, prepare
from safeguarding.conversation.embedding.base import Embedder
from safeguarding.conversation.labelled import Labelled
from safeguarding.conversation.semantic import SemanticScorer
from safeguarding.conversation.tactics import TAG_TACTIC, Tactic
from safeguarding.conversation.training.lines import Line

TACTICS = list(Tactic)


@dataclass(frozen=True)
class Corpus:
    items: list[Labelled]
    prepared: Prepared
    #: conversation i's messages are rows starts[i]:starts[i + 1]
    starts: npt.NDArray[np.int64]
    tags: npt.NDArray[np.float64]  # [messages, tactics]
    tagged: npt.NDArray[np.bool_]  # [messages]: the writer tagged this message
    message_source: npt.NDArray[np.str_]
    #: the phrase lines' rows (after every conversation's), and which of them are a moment
    line: npt.NDArray[np.bool_]
    line_moment: npt.NDArray[np.bool_]

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(i.source for i in self.items))

    def conversations(self, sources: Sequence[str] | frozenset[str]) -> list[int]:
        return [i for i, item in enumerate(self.items) if item.source in sources]

    def training_rows(self, sources: Sequence[str] | frozenset[str]) -> npt.NDArray[np.bool_]:
        """The messages a model fitted on these sources reads: theirs and every line."""
        found: npt.NDArray[np.bool_] = np.isin(self.message_source, list(sources)) | self.line
        return found

    def rows(self, conversation: int) -> slice:
        return slice(int(self.starts[conversation]), int(self.starts[conversation + 1]))

    def slice(self, conversation: int) -> Prepared:
        rows = self.rows(conversation)
        p = self.prepared
        return Prepared(
            p.normalised[rows],
            None if p.embeddings is None else p.embeddings[rows],
            None if p.semantic_disclosure is None else p.semantic_disclosure[rows],
        )


def build_corpus(
    items: list[Labelled],
    embedder: Embedder | None,
    semantic: SemanticScorer | None,
    batch: int = 4096,
    lines: Sequence[Line] = (),
) -> Corpus:
    texts = [m.text for item in items for m in item.conversation.messages]
    texts += [line.text for line in lines]
    parts = [prepare(texts[i : i + batch], embedder, semantic) for i in range(0, len(texts), batch)]
    normalised = [t for p in parts for t in p.normalised]
    embeddings = (
        np.vstack([p.embeddings for p in parts if p.embeddings is not None])
        if embedder is not None and texts
        else None
    )
    disclosure = (
        np.concatenate([p.semantic_disclosure for p in parts if p.semantic_disclosure is not None])
        if semantic is not None and texts
        else None
    )
    lengths = [len(item.conversation.messages) for item in items]
    starts = np.zeros(len(items) + 1, dtype=np.int64)
    starts[1:] = np.cumsum(lengths)
    tags = np.zeros((len(texts), len(TACTICS)))
    tagged = np.zeros(len(texts), dtype=bool)
    column = {t: i for i, t in enumerate(TACTICS)}
    for i, item in enumerate(items):
        if item.tags is None:
            continue
        for j, message_tags in enumerate(item.tags):
            row = int(starts[i]) + j
            tagged[row] = True
            for tag in message_tags:
                tags[row, column[TAG_TACTIC[tag]]] = 1.0
    first_line = int(starts[-1])
    for j, line in enumerate(lines):
        tagged[first_line + j] = True
        for tactic in line.tactics:
            tags[first_line + j, column[tactic]] = 1.0
    sources = np.array(
        [item.source for item, n in zip(items, lengths, strict=True) for _ in range(n)]
        + [""] * len(lines)
    )
    is_line = np.zeros(len(texts), dtype=bool)
    is_line[first_line:] = True
    line_moment = np.zeros(len(texts), dtype=bool)
    line_moment[first_line:] = [line.moment for line in lines]
    return Corpus(
        items,
        Prepared(normalised, embeddings, disclosure),
        starts,
        tags,
        tagged,
        sources,
        is_line,
        line_moment,
    )
