"""`safeguarding conversation train`: fit the shipped bundles on every source, and report
leave-one-source-out (each source scored by a bundle that never saw it) and leave-one-
language-out figures beside them.

A source's language is read from its file name: `es-*` Spanish, `pt-*` Portuguese, anything
else English; a new file in data/conversations/sources/ is one more source, no code change."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safeguarding.conversation.embedding.base import Embedder
from safeguarding.conversation.evaluate import Scored, report
from safeguarding.conversation.labelled import Labelled
from safeguarding.conversation.pool import WORKERS
from safeguarding.conversation.semantic import SemanticScorer, load_phrases
from safeguarding.conversation.training.budget import LANGUAGE_MIN_BENIGN, MOMENT_AFTER_NUDGE
from safeguarding.conversation.training.corpus import build_corpus
from safeguarding.conversation.training.lines import Line
from safeguarding.conversation.training.recheck import RECHECK_FOLDS
from safeguarding.conversation.training.series import Arrays, held_out_series
from safeguarding.conversation.training.trainer import TACTIC_ITERATIONS, Trainer

LANGUAGES = {"es": "Spanish", "pt": "Portuguese"}


def language(source: str) -> str:
    return LANGUAGES.get(source.split("-", 1)[0], "English")


@dataclass
class Outcome:
    bundle: str
    loso: dict[str, Any]  # report() of every source scored out of source
    lolo: dict[str, Any] | None  # report() of Spanish/Portuguese scored without that language
    pooled_in_sample: dict[str, Any]
    thresholds: dict[str, float]
    comparison: dict[str, Any] | None = None
    #: how the held-out bundles were calibrated and thresholded (trainer.py's docstring)
    nested: bool = False
    #: the scores the thresholds were set on (Trainer.benign_held_out)
    benign_held_out: list[dict[str, Any]] | None = None
    #: per language code, the thresholds of that language's conversations (risk_model.py)
    thresholds_by_language: dict[str, dict[str, float]] | None = None
    #: the training sources' out-of-source scores message by message (series.py); None
    #: with a second reading, whose scores are kept per conversation only
    series: Arrays | None = None


def train(
    items: list[Labelled],
    embedder: Embedder | None,
    out: Path,
    name: str,
    version: str,
    *,
    loso: bool = True,
    nested: bool = False,
    compare: bool = False,
    iterations: int = TACTIC_ITERATIONS,
    progress: Callable[[str], object] = lambda _: None,
    second: Embedder | None = None,
    workers: int = WORKERS,
    lines: Sequence[Line] = (),
    by_language: bool = False,
    moment_after_nudge: float = MOMENT_AFTER_NUDGE,
    recheck_folds: int = RECHECK_FOLDS,
) -> Outcome:
    """With `second` (e5, or its cache), also the sextortion moment's second reading
    (moment_recheck.py, training/recheck.py). `workers` processes fit what does not depend
    on each other (pool.py); the bundle is the same with any number. `lines` (lines.py): phrase
    lines the tactic and moment models also learn from, in every fit. `by_language`: also
    thresholds per language (budget.spend_by_language; measured, not shipped: docs/conversation.md,
    "Session 41"). `moment_after_nudge`: the part of the moment's share spent past the
    sextortion nudge (budget.MOMENT_AFTER_NUDGE). `recheck_folds`: folds of sources for the
    second reading's out-of-source fits (0: one per source; recheck.py)."""
    semantic = SemanticScorer(embedder, load_phrases()) if embedder is not None else None
    progress(f"{name}: preparing {sum(len(i.conversation.messages) for i in items)} messages")
    if second is not None and (embedder is None or nested or lines):
        raise ValueError(
            "the moment recheck needs the sentence encoder and --not-nested, and no --lines"
        )
    corpus = build_corpus(items, embedder, semantic, lines=lines)
    trainer = Trainer(
        corpus,
        embedder,
        semantic,
        version,
        iterations=iterations,
        second=second,
        workers=workers,
        language_min_benign=LANGUAGE_MIN_BENIGN if by_language else None,
        moment_after_nudge=moment_after_nudge,
        recheck_folds=recheck_folds,
    )
    sources = frozenset(corpus.sources)
    if len(sources) < 3:
        raise ValueError("training needs at least three sources (out-of-source thresholds)")
    if workers > 1:
        progress(f"{name}: fitting without each source, {workers} at a time")
        trainer.prefit(lambda done, total: progress(f"{name}: fitted {done} of {total}"))
        if trainer.recheck is not None:
            progress(f"{name}: fitting the second reading, {workers} at a time")
            trainer.recheck.prefit(
                lambda done, total: progress(f"{name}: second reading {done} of {total}")
            )
    held: list[Scored] = []
    if loso:
        for source in corpus.sources:
            progress(f"{name}: leave out {source}")
            held += trainer.score([source], sources - {source}, nested=nested)
    lolo = None
    languages = {language(s) for s in sources} - {"English"}
    if loso and languages:
        lolo_scored: list[Scored] = []
        for lang in sorted(languages):
            left = frozenset(s for s in sources if language(s) == lang)
            if len(sources - left) >= 3:
                progress(f"{name}: leave out {lang}")
                lolo_scored += trainer.score(left, sources - left, nested=nested)
        lolo = report(lolo_scored) if lolo_scored else None
    progress(f"{name}: fitting on all {len(sources)} sources")
    tactics, risk = trainer.bundle(sources)
    out.mkdir(parents=True, exist_ok=True)
    tactics.save(out / f"tactics-{name}.npz")
    risk.save(out / f"risk-{name}.json")
    moment_file = out / f"moment-{name}.npz"
    recheck_file = out / f"recheck-{name}.npz"
    if "sextortion_moment" in risk.thresholds:
        trainer.moment(sources).save(moment_file)
    else:
        moment_file.unlink(missing_ok=True)
    if "sextortion_moment" in risk.thresholds and trainer.recheck is not None:
        trainer.recheck.fit(sources).save(recheck_file)
    else:
        recheck_file.unlink(missing_ok=True)
    in_sample = report(trainer.score(sources, sources))
    comparison = None
    if compare:
        from safeguarding.conversation.training.compare import compare as run_comparison

        progress(f"{name}: comparing model families")
        comparison = run_comparison(trainer)
    return Outcome(
        name,
        report(held) if held else {},
        lolo,
        in_sample,
        risk.thresholds,
        comparison,
        nested,
        benign_held_out=trainer.benign_held_out(sources),
        thresholds_by_language={k.value: v for k, v in risk.by_language.items()},
        series=held_out_series(trainer, sources) if trainer.recheck is None else None,
    )
