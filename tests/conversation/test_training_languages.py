"""Thresholds per language (budget.spend_by_language, Trainer): each language with enough
benign training chats gets the budget spent on its own chats' out-of-source scores."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from safeguarding.conversation.labelled import read_labelled
from safeguarding.conversation.language import Language
from safeguarding.conversation.metrics import allowed_at_rate
from safeguarding.conversation.risk_model import RiskModel
from safeguarding.conversation.training.budget import BUDGETS, spend_budget, spend_by_language
from safeguarding.conversation.training.corpus import build_corpus
from safeguarding.conversation.training.trainer import Trainer
from tests.conversation.conftest import tiny_items

SOURCES = Path(__file__).parents[2] / "data" / "conversations" / "sources"


def test_each_language_spends_the_budget_on_its_own_chats() -> None:
    rng = np.random.default_rng(3)
    # Spanish chats score lower than English ones, as the shipped models' do
    english = [float(v) for v in rng.beta(2.0, 6.0, 600)]
    spanish = [float(v) for v in rng.beta(1.2, 9.0, 600)]
    languages = [Language.ENGLISH] * 600 + [Language.SPANISH] * 600 + [None] * 50
    scores = english + spanish + [0.99] * 50
    found = spend_by_language(languages, scores, scores, scores)
    assert set(found) == {Language.ENGLISH, Language.SPANISH}  # 50 chats of no language: none
    assert found[Language.SPANISH]["grooming_alert"] < found[Language.ENGLISH]["grooming_alert"]
    for language, own in ((Language.ENGLISH, english), (Language.SPANISH, spanish)):
        assert found[language] == spend_budget(own, own, own)
        alerted = sum(v >= found[language]["grooming_alert"] for v in own)
        assert alerted <= allowed_at_rate(BUDGETS["alert"], 600) + 1
    # a language with fewer benign chats than the minimum keeps the pooled thresholds
    assert set(spend_by_language(languages, scores, scores, None, minimum=601)) == set()


def test_training_sets_them_from_the_scores_it_writes_out() -> None:
    """A tiny training with a Spanish source: the bundle's thresholds per language are the
    budget spent on each language's rows of benign-held-out-NAME.json, and the model file
    keeps them."""
    spanish = read_labelled(SOURCES / "es-latam.jsonl")
    items = tiny_items() + [
        i
        for label in ("grooming", "sextortion", "benign")
        for i in [j for j in spanish if j.label == label][:3]
    ]
    trainer = Trainer(
        build_corpus(items, None, None), None, None, "test", iterations=15, language_min_benign=3
    )
    everything = frozenset(trainer.corpus.sources)
    model = trainer.risk(everything)
    rows = json.loads(json.dumps(trainer.benign_held_out(everything)))
    assert {r["language"] for r in rows} == {"en", "es"}
    assert set(model.by_language) == {Language.ENGLISH, Language.SPANISH}
    assert model.budget["benign_by_language"] == {"en": 9, "es": 3}
    for language in model.by_language:
        own = [r for r in rows if r["language"] == language.value]
        assert model.by_language[language] == spend_budget(
            [r["grooming"] for r in own], [r["sextortion"] for r in own], [r["moment"] for r in own]
        )
    again = RiskModel.from_json(json.loads(json.dumps(model.to_json())))
    for language, values in model.by_language.items():
        assert again.by_language[language] == {k: round(v, 6) for k, v in values.items()}
    # by default (the training command without --thresholds-by-language) none, and the
    # pooled thresholds are the same
    pooled = Trainer(build_corpus(items, None, None), None, None, "t", iterations=15)
    assert pooled.risk(everything).by_language == {}
    assert pooled.risk(everything).thresholds == model.thresholds
    # at the shipped minimum, chats this few get none
    assert (
        Trainer(
            build_corpus(items, None, None), None, None, "t", iterations=15, language_min_benign=500
        )
        .risk(everything)
        .by_language
        == {}
    )
