"""The model-family measurement behind the conversation model: on the same out-of-source
feature rows, leave one source out, logistic regression (what ships) against
gradient-boosted trees (scikit-learn's HistGradientBoostingClassifier). Reported per
category: ROC AUC of the conversations' highest scores against benign, and recall with at
most 1% of the held-out benign conversations above the threshold chosen on the others."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from safeguarding.conversation.metrics import roc_auc, threshold_at_rate
from safeguarding.conversation.training.trainer import Rows, Trainer, _subset
from safeguarding.errors import MissingDependencyError


def _per_conversation(rows: Rows, values: npt.NDArray[np.float64]) -> dict[int, float]:
    out: dict[int, float] = {}
    for c, v in zip(rows.conversation.tolist(), values.tolist(), strict=True):
        out[c] = max(out.get(c, -np.inf), v)
    return out


def compare(trainer: Trainer, seed: int = 13) -> dict[str, Any]:
    try:
        from sklearn.ensemble import HistGradientBoostingClassifier
    except ImportError:
        raise MissingDependencyError("scikit-learn", "train", "The model comparison") from None
    sources = frozenset(trainer.corpus.sources)
    rows = trainer.rows(sources)
    source_of = np.array([trainer.corpus.items[c].source for c in rows.conversation])
    items = trainer.corpus.items
    result: dict[str, Any] = {}
    for category in ("grooming", "sextortion"):
        scores: dict[str, dict[int, float]] = {"logistic": {}, "boosted_trees": {}}
        thresholds: dict[str, dict[str, float]] = {"logistic": {}, "boosted_trees": {}}
        for source in sorted(sources):
            inside = source_of == source
            train, test = _subset(rows, ~inside), _subset(rows, inside)
            y = getattr(train, category)
            mean, scale, heads = trainer._fit_heads(train)
            trees = HistGradientBoostingClassifier(
                max_iter=200, learning_rate=0.05, max_leaf_nodes=15, random_state=seed
            )
            trees.fit(train.x, y, sample_weight=train.weight)
            logistic = heads[category]
            for family, held_scores, own_scores in (
                (
                    "logistic",
                    logistic.logit((test.x - mean) / scale),
                    logistic.logit((train.x - mean) / scale),
                ),
                (
                    "boosted_trees",
                    trees.predict_proba(test.x)[:, 1],
                    trees.predict_proba(train.x)[:, 1],
                ),
            ):
                scores[family].update(_per_conversation(test, held_scores))
                own = _per_conversation(train, own_scores)
                benign = [v for c, v in own.items() if items[c].label == "benign"]
                thresholds[family][source] = threshold_at_rate(benign, 0.01)
        section = {}
        for family, held in scores.items():
            pos = [v for c, v in held.items() if items[c].label == category]
            neg = [v for c, v in held.items() if items[c].label == "benign"]
            caught = sum(
                v >= thresholds[family][items[c].source]
                for c, v in held.items()
                if items[c].label == category
            )
            false = sum(
                v >= thresholds[family][items[c].source]
                for c, v in held.items()
                if items[c].label == "benign"
            )
            section[family] = {
                "roc_auc": round(roc_auc(pos, neg), 4),
                "recall_at_1pct_of_training_benign": round(caught / len(pos), 4),
                "benign_alerted": false,
                "benign": len(neg),
            }
        result[category] = section
    return result
