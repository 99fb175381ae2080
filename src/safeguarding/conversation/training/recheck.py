"""Fitting the sextortion moment's second reading (moment_recheck.py) and scoring it out of
source, for a Trainer that was given the second encoder.

What it learns from: the moment model's messages (the first threat or demand and the reply,
against every benign message: trainer.moment_targets), each read as [dense_i, e5_i,
e5_{i-1}], the previous message's e5 always present. In the engine that column is zeros
unless the previous message was read again too; trained on what the engine sees (zeros
where it would have them), the recheck learned little from the previous message and lost
first threats on time against the moment model alone, while trained on the full column it
gained them (docs/conversation.md, "Session 27"). The learner is the one the study measured
(bench/moment_encoders.py): a logistic regression on standardised inputs beside a bag of
small networks, logits averaged.

The gate: the RECHECK_GATE quantile of the training sources' benign messages' moment logits,
each from the moment model fitted without its source. Out-of-source moments for thresholds
and for leave-one-source-out bundles come from recheck fits by fold of sources
(RECHECK_FOLDS, sources in sorted order dealt round), not one per source: each fit reads
about 60,000 messages, and a fold's fit has never seen the fold's sources. Fits by fold
see a fifth fewer sources than the fit that ships, and session 29 found the threshold
they set too high for it (0.981; docs/conversation.md, "Session 29"): `folds=0` fits
one per source instead (`conversation train --recheck-folds 0`), as the moment model's
own out-of-source scores are, at 37 fits instead of 5."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from safeguarding.conversation.detector import MAX_ANALYSED_CHARS, MAX_EMBEDDED_CHARS
from safeguarding.conversation.embedding.base import Embedder
from safeguarding.conversation.embedding.cache import CachedEmbedder
from safeguarding.conversation.moment_model import Hidden, pairs
from safeguarding.conversation.moment_recheck import Recheck
from safeguarding.conversation.pool import fork_map
from safeguarding.conversation.training.fit import fit_hidden, fit_logistic

if TYPE_CHECKING:
    from safeguarding.conversation.training.trainer import Trainer

Floats = npt.NDArray[np.float64]
# The share of benign messages whose logit reaches the gate; with the message after each of
# them, about twice that share of ordinary messages is read again by e5. The moment alone
# at 0.99 (bench/moment_encoders.py): 1.8% of benign messages read again, sextortion on
# time at 0.5% of benign 685 of 1,055 held out and 854 of 1,250 never seen, against 627
# and 759 without the second reading (docs/conversation.md, "Session 27").
RECHECK_GATE = 0.99
#: folds of sources for the out-of-source recheck fits (0: one per source)
RECHECK_FOLDS = 5
# The study's learner: L2 of 20 on standardised inputs (scikit-learn's C = 0.05), two
# networks of 64 units, 40 epochs.
RECHECK_L2 = 20.0
RECHECK_UNITS, RECHECK_ALPHA, RECHECK_EPOCHS, RECHECK_NETWORKS = 64, 1e-2, 40, 2


def default_cache() -> Path:
    """Where training keeps e5's vectors between runs (embedding/cache.py)."""
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "safeguarding" / "embeddings"


def cached_second(folder: Path) -> CachedEmbedder:
    """e5 behind the training cache of its vectors (the `model` extra)."""
    from safeguarding.conversation.embedding.e5 import E5Embedder

    return CachedEmbedder(E5Embedder(), folder)


class RecheckTrainer:
    def __init__(self, trainer: Trainer, second: Embedder, folds: int = RECHECK_FOLDS) -> None:
        if folds < 0 or folds == 1:
            raise ValueError("recheck folds: 0 (one per source) or at least 2")
        self.trainer = trainer
        self.second = second
        self.fold_count = folds
        corpus = trainer.corpus
        self.texts = [
            m.text[:MAX_ANALYSED_CHARS][:MAX_EMBEDDED_CHARS]
            for item in corpus.items
            for m in item.conversation.messages
        ]
        self._fits: dict[frozenset[str], Recheck] = {}
        self._base: Floats | None = None
        self._e5: npt.NDArray[np.float32] | None = None

    # -- inputs ---------------------------------------------------------------------------
    def embeddings(self) -> npt.NDArray[np.float32]:
        """e5 of every message the fits read (the moment model's messages and the ones
        before them); zeros elsewhere."""
        if self._e5 is None:
            used = self.trainer.moment_rows.copy()
            starts = self.trainer.corpus.starts[:-1]
            before = np.flatnonzero(used) - 1
            used[before[(before >= 0) & ~np.isin(before + 1, starts)]] = True
            rows = np.flatnonzero(used)
            out = np.zeros((len(self.texts), self.second.dimension), np.float32)
            out[rows] = self.second.embed([self.texts[i] for i in rows])
            self._e5 = out
        return self._e5

    def previous(self, values: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        out = np.zeros_like(values)
        out[1:] = values[:-1]
        out[self.trainer.corpus.starts[:-1]] = 0
        return out

    def base_logits(self) -> Floats:
        """Every message's moment logit from the moment model fitted without its source."""
        if self._base is None:
            trainer = self.trainer
            everything = frozenset(trainer.corpus.sources)
            out = np.zeros(len(self.texts))
            for source in sorted(everything):
                model = trainer.moment(everything - {source})
                for c in trainer.corpus.conversations([source]):
                    part = trainer.corpus.slice(c)
                    out[trainer.corpus.rows(c)] = model.logits(
                        part.normalised, part.embeddings, trainer.senders(c)
                    )
            self._base = out
        return self._base

    def gate(self) -> float:
        corpus = self.trainer.corpus
        benign = np.concatenate(
            [np.arange(corpus.rows(c).start, corpus.rows(c).stop) for c in self._benign()]
        )
        return float(np.quantile(self.base_logits()[benign], RECHECK_GATE))

    def _benign(self) -> list[int]:
        return [c for c, i in enumerate(self.trainer.corpus.items) if i.label == "benign"]

    # -- fits -----------------------------------------------------------------------------
    def fit(self, sources: frozenset[str]) -> Recheck:
        if sources not in self._fits:
            trainer = self.trainer
            rows = trainer.corpus.training_rows(sources) & trainer.moment_rows
            dense = trainer.dense_inputs
            e5 = self.embeddings()
            # only the rows fitted on: the whole corpus stacked would be about a gigabyte
            x = np.hstack([dense[rows], e5[rows], self.previous(e5)[rows]]).astype(np.float64)
            y = trainer.moment_y[rows]
            mean = x.mean(axis=0)
            scale = x.std(axis=0) + 1e-3
            w, b = fit_logistic((x - mean) / scale, y, lam=RECHECK_L2)
            weights = w[:, 0] / scale
            layer = fit_hidden(
                x,
                y,
                units=RECHECK_UNITS,
                alpha=RECHECK_ALPHA,
                epochs=RECHECK_EPOCHS,
                networks=RECHECK_NETWORKS,
            )
            self._fits[sources] = Recheck(
                weights.astype(np.float32),
                float(b[0] - weights @ mean),
                Hidden.of(layer),
                self.second.name,
                int(dense.shape[1]),
                self.gate(),
                trainer.version,
            )
        return self._fits[sources]

    def prefit(self, done: Callable[[int, int], object] = lambda _done, _total: None) -> None:
        """The fits a training reads (each fold's complement and all sources), the trainer's
        `workers` at a time (pool.py); the inputs they share are made here first, once."""
        self.embeddings()
        self.gate()
        everything = frozenset(self.trainer.corpus.sources)
        wanted = [*(everything - fold for fold in self.folds()), everything]
        todo = [sources for sources in wanted if sources not in self._fits]
        fitted = fork_map(self.fit, todo, self.trainer.workers, done)
        self._fits.update(zip(todo, fitted, strict=True))

    def folds(self) -> list[frozenset[str]]:
        ordered = sorted(self.trainer.corpus.sources)
        count = self.fold_count or len(ordered)
        return [frozenset(ordered[f::count]) for f in range(count) if ordered[f::count]]

    def for_bundle(self, trained: frozenset[str]) -> Recheck:
        """The recheck of a bundle fitted on `trained`: with every source, the fit on all;
        with some left out that all lie in one fold (leave one source out), that fold's fit,
        which never saw them; else a fit on exactly `trained`."""
        everything = frozenset(self.trainer.corpus.sources)
        left = everything - trained
        if left:
            for fold in self.folds():
                if left <= fold:
                    return self.fit(everything - fold)
        return self.fit(trained)

    def held_out(self, sources: frozenset[str]) -> dict[int, float]:
        """Each of these sources' conversations: its highest moment after the second reading,
        the moment model's logits from the fit without its source and the recheck from the
        fit without its fold."""
        trainer = self.trainer
        everything = frozenset(trainer.corpus.sources)
        base = self.base_logits()
        e5 = self.embeddings()
        out: dict[int, float] = {}
        for fold in self.folds():
            recheck = self.fit(everything - fold)
            for c in trainer.corpus.conversations(fold & sources):
                span = trainer.corpus.rows(c)
                mixed, _ = recheck.conversation(
                    base[span].astype(np.float32),
                    trainer.dense_inputs[span].astype(np.float32),
                    partial(self._read, e5, span.start),
                )
                out[c] = float(pairs(mixed).max())
        return out

    def _read(self, e5: npt.NDArray[np.float32], start: int, i: int) -> npt.NDArray[np.float32]:
        """Message `start + i`'s e5 (embedded now if no fit read it)."""
        row = start + i
        if not e5[row].any():
            e5[row] = self.second.embed([self.texts[row]])[0]
        vector: npt.NDArray[np.float32] = e5[row]
        return vector
