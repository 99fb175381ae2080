"""Training on a tiny set (a few conversations of three shared files), the saved formats,
loading the shipped bundles, and calibration that never reverses the ranking."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from safeguarding.conversation.loader import load_bundle, load_detector
from safeguarding.conversation.risk_model import FEATURES, RiskModel
from safeguarding.conversation.tactic_model import TacticModel
from safeguarding.conversation.training import trainer as trainer_module
from safeguarding.conversation.training.budget import spend_budget
from safeguarding.conversation.training.corpus import build_corpus
from safeguarding.conversation.training.fit import fit_logistic
from safeguarding.conversation.training.run import language, train
from safeguarding.conversation.training.series import held_out_series
from safeguarding.conversation.training.series import save as save_series
from safeguarding.conversation.training.trainer import (
    MONOTONE_GROOMING,
    OTHER_HARM_IS_NEGATIVE,
    Rows,
    Trainer,
    head_weights,
)
from safeguarding.errors import ConversationError
from tests.conftest import SHARED
from tests.conversation.conftest import tiny_items

CONVERSATIONS = SHARED / "conversations"
# Enough for a tiny set; the shipped models use training.trainer.TACTIC_ITERATIONS.
ITERATIONS = 15


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle")
    outcome = train(tiny_items(), None, out, "lexical", "test", loso=True, iterations=ITERATIONS)
    assert set(outcome.loso["sources"]) == {"gaming", "uk-teens", "sextortion-scripts"}
    assert outcome.loso["all"]["conversations"] == 27
    return out


def test_training_writes_documented_files_that_load(trained: Path) -> None:
    with np.load(trained / "tactics-lexical.npz", allow_pickle=False) as data:
        assert set(data.files) == {"lexical", "dense", "bias", "meta"}
        meta = json.loads(bytes(data["meta"]).decode())
    assert meta["embedder"] is None and meta["version"] == "test"
    risk = json.loads((trained / "risk-lexical.json").read_text())
    assert risk["features"] == FEATURES
    assert set(risk["thresholds"]) == {
        "grooming_alert",
        "sextortion_alert",
        "nudge",
        "nudge_age_unknown",
        "sextortion_nudge",
        "sextortion_moment",
    }
    tactics, model = load_bundle("lexical", trained)
    assert tactics.version == model.version == "test"
    probabilities = tactics.predict(["are your parents home tonight?", "see you at practice"], None)
    assert probabilities.shape == (2, len(tactics.tactics))
    assert ((probabilities > 0) & (probabilities < 1)).all()


def test_a_trained_grooming_head_is_monotone_in_the_evidence(trained: Path) -> None:
    model = RiskModel.load(trained / "risk-lexical.json")
    held = [i for i, name in enumerate(FEATURES) if name in MONOTONE_GROOMING]
    assert len(held) == 18
    assert (model.heads["grooming"].weights[held] >= 0).all()


def test_non_negative_weights_stay_non_negative_and_the_rest_are_free() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 3))
    # The label falls with the first input and rises with the second.
    y = (x[:, 1] - x[:, 0] + 0.3 * rng.normal(size=400) > 0).astype(np.float64)
    free, _ = fit_logistic(x, y, lam=1.0)
    held, _ = fit_logistic(x, y, lam=1.0, non_negative=np.array([True, False, False]))
    assert free[0, 0] < -1 and held[0, 0] == 0.0
    assert held[1, 0] > 1


@pytest.mark.parametrize("name", ["lexical", "use"])
def test_surer_grooming_evidence_never_lowers_the_shipped_grooming_score(name: str) -> None:
    _, model = load_bundle(name)
    rows = np.random.default_rng(11).normal(size=(200, len(FEATURES))) * model.scale + model.mean
    before = model.probabilities(rows)["grooming"]
    for i, feature in enumerate(FEATURES):
        if feature in MONOTONE_GROOMING:
            surer = rows.copy()
            surer[:, i] += model.scale[i]
            assert (model.probabilities(surer)["grooming"] >= before).all(), feature


def test_training_is_reproducible(trained: Path, tmp_path: Path) -> None:
    train(tiny_items(), None, tmp_path, "lexical", "test", loso=False, iterations=ITERATIONS)
    first = TacticModel.load(trained / "tactics-lexical.npz")
    again = TacticModel.load(tmp_path / "tactics-lexical.npz")
    assert np.array_equal(first.lexical, again.lexical)
    assert np.array_equal(first.dense, again.dense)
    assert (trained / "risk-lexical.json").read_text() == (
        tmp_path / "risk-lexical.json"
    ).read_text()
    assert (trained / "moment-lexical.npz").read_bytes() == (
        tmp_path / "moment-lexical.npz"
    ).read_bytes()


@pytest.mark.parametrize("name", ["lexical", "use"])
def test_calibration_keeps_the_order_of_the_shipped_models(name: str) -> None:
    _, model = load_bundle(name)
    rows = np.random.default_rng(7).normal(size=(500, len(FEATURES))) * model.scale + model.mean
    for category, head in model.heads.items():
        z = model.standardise(rows)
        order = np.argsort(head.logit(z))
        probability = model.probabilities(rows)[category][order]
        assert (np.diff(probability) >= 0).all()
        assert 0 < model.thresholds[f"{category}_alert"] < 1


def test_a_calibration_that_reverses_the_ranking_is_refused() -> None:
    _, model = load_bundle("lexical")
    data = model.to_json()
    data["heads"]["grooming"]["platt"] = [-1.0, 0.0]
    with pytest.raises(ConversationError, match="keep the order"):
        RiskModel.from_json(data)
    data = model.to_json()
    data["features"] = data["features"][:-1]
    with pytest.raises(ConversationError, match="other features"):
        RiskModel.from_json(data)


def test_a_tactic_model_needs_its_embeddings() -> None:
    tactics, _ = load_bundle("use")
    with pytest.raises(ConversationError, match="needs"):
        tactics.predict(["hello"], None)


def test_shipped_detector_loads_without_the_embedding_model() -> None:
    detector = load_detector("none")
    assert detector.model_name is None and detector.tactic_model.embedding_dim == 0
    [signal] = detector.detect(["r ur parents home? delete this chat after"])
    assert signal.tactics  # the tactic model sees something in it


def test_language_is_read_from_the_source_name() -> None:
    assert [language(s) for s in ("es-latam", "pt-br", "uk-teens", "espresso")] == [
        "Spanish",
        "Portuguese",
        "English",
        "English",
    ]


def test_a_held_out_bundle_differs_by_nesting_only_in_calibration() -> None:
    """Not nested, a held-out bundle's heads are the nested one's; only its calibration and
    thresholds come from the all-source out-of-source scores (trainer.py's docstring)."""
    items = tiny_items()
    trainer = Trainer(build_corpus(items, None, None), None, None, "test", iterations=ITERATIONS)
    everything = frozenset(trainer.corpus.sources)
    trained = everything - {"gaming"}
    nested = trainer.risk(trained, nested=True)
    shared = trainer.risk(trained, nested=False)
    for name in ("grooming", "sextortion"):
        assert np.array_equal(nested.heads[name].weights, shared.heads[name].weights)
    assert nested.budget["nested"] and not shared.budget["nested"]
    assert nested.budget["benign_conversations"] == shared.budget["benign_conversations"] == 6
    # the bundle of every source is the same either way
    assert trainer.risk(everything, nested=False) is trainer.risk(everything, nested=True)


def test_held_out_moment_scores_are_computed_once_and_match_a_fresh_trainer() -> None:
    """Every bundle that is not nested reads the all-source held-out moment scores; they are
    cached, and the cache gives what a trainer that never cached anything computes."""
    items = tiny_items()
    corpus = build_corpus(items, None, None)
    trainer = Trainer(corpus, None, None, "test", iterations=ITERATIONS)
    everything = frozenset(trainer.corpus.sources)
    for source in sorted(everything):
        trainer.risk(everything - {source}, nested=False)
    first = trainer._moment_held_out(everything)
    assert trainer._moment_held_out(everything) is first
    assert set(first) == set(range(len(items)))
    fresh = Trainer(corpus, None, None, "test", iterations=ITERATIONS)
    assert fresh._moment_held_out(everything) == first


def test_the_benign_held_out_scores_are_the_ones_the_thresholds_were_set_on() -> None:
    """benign-held-out-NAME.json (Trainer.benign_held_out): read back from JSON, its scores
    give the bundle's thresholds again, so a threshold rule can be studied without training."""
    trainer = Trainer(
        build_corpus(tiny_items(), None, None), None, None, "test", iterations=ITERATIONS
    )
    everything = frozenset(trainer.corpus.sources)
    rows = json.loads(json.dumps(trainer.benign_held_out(everything)))
    assert len(rows) == 9 and {r["source"] for r in rows} == everything
    assert all(0 < r["grooming"] < 1 and 0 < r["sextortion"] < 1 for r in rows)
    again = spend_budget(
        [r["grooming"] for r in rows],
        [r["sextortion"] for r in rows],
        [r["moment"] for r in rows],
    )
    assert again == trainer.risk(everything).thresholds
    # one benign chat scored higher moves a threshold: the rows are what the rule reads
    rows[0]["moment"] = 0.999
    moved = spend_budget(
        [r["grooming"] for r in rows],
        [r["sextortion"] for r in rows],
        [r["moment"] for r in rows],
    )
    assert moved != again


def test_the_series_gives_the_benign_held_out_scores_message_by_message(
    tmp_path: Path,
) -> None:
    """held-out-series-NAME.npz (series.py): every training chat's out-of-source scores after
    each message; their highest, for the benign chats, are benign-held-out-NAME.json's, so a
    rule over the scores' course is chosen on what the thresholds were set on."""
    trainer = Trainer(
        build_corpus(tiny_items(), None, None), None, None, "test", iterations=ITERATIONS
    )
    everything = frozenset(trainer.corpus.sources)
    save_series(held_out_series(trainer, everything), tmp_path / "series.npz")
    with np.load(tmp_path / "series.npz", allow_pickle=False) as data:
        s = {key: data[key] for key in data.files}
    items = {(i.source, i.conversation.id): i for i in trainer.corpus.items}
    assert len(s["id"]) == len(items) == 27
    assert sorted(s["label"].tolist()).count("benign") == 9
    best = {}
    for k, (source, cid) in enumerate(zip(s["source"], s["id"], strict=True)):
        item = items[(str(source), str(cid))]
        first, n = int(s["start"][k]), int(s["messages"][k])
        assert n == len(item.conversation.messages) and s["label"][k] == item.label
        assert s["first_threat_index"][k] == (
            -1 if item.first_threat_index is None else item.first_threat_index
        )
        part = {name: s[name][first : first + n] for name in ("grooming", "sextortion", "moment")}
        assert all(0 < v < 1 for values in part.values() for v in values)
        best[(source, cid)] = {name: float(values.max()) for name, values in part.items()}
    for row in trainer.benign_held_out(everything):
        assert best[(row["source"], row["id"])] == pytest.approx(
            {name: row[name] for name in ("grooming", "sextortion", "moment")}, abs=1e-12
        )


def test_fits_in_worker_processes_are_the_ones_made_in_turn() -> None:
    """prefit fits every left-out source's models in forked workers (pool.py); the trainer
    then reads them from its caches, and they are the fits made one after another."""
    corpus = build_corpus(tiny_items(), None, None)
    pooled = Trainer(corpus, None, None, "test", iterations=ITERATIONS, workers=2)
    pooled.prefit()
    alone = Trainer(corpus, None, None, "test", iterations=ITERATIONS)
    everything = frozenset(corpus.sources)
    assert set(pooled._rows) == everything
    for seen in [everything, *(everything - {s} for s in everything)]:
        assert seen in pooled._tactics and seen in pooled._moments
        for part in ("lexical", "dense", "bias"):
            a, b = getattr(pooled.tactics(seen), part), getattr(alone.tactics(seen), part)
            assert np.array_equal(a, b)
        assert np.array_equal(pooled.moment(seen).lexical, alone.moment(seen).lexical)
    for source in sorted(everything):
        a, b = pooled.rows(frozenset({source})), alone.rows(frozenset({source}))
        assert np.array_equal(a.x, b.x) and np.array_equal(a.weight, b.weight)
    risk_a, risk_b = pooled.risk(everything), alone.risk(everything)
    assert risk_a.thresholds == risk_b.thresholds
    for name in ("grooming", "sextortion"):
        assert np.array_equal(risk_a.heads[name].weights, risk_b.heads[name].weights)


def test_a_head_learns_the_other_harms_offenders_as_negatives_only_when_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One feature that offenders of both harms show (a request for a picture), one that only
    # grooming's show (flattery), and noise; benign participants show none of them.
    rng = np.random.default_rng(5)
    kind = np.repeat([0, 1, 2], 300)  # benign, grooming offender, sextortion offender
    x = np.column_stack([(kind > 0) * 1.0, (kind == 1) * 1.0, rng.normal(size=900)])
    x += 0.1 * rng.normal(size=(900, 3))
    rows = Rows(
        x,
        (kind == 1) * 1.0,
        (kind == 2) * 1.0,
        np.ones(900),
        np.arange(900),
        np.zeros(900, dtype=np.int64),
    )
    assert {"grooming", "sextortion"} == OTHER_HARM_IS_NEGATIVE  # the shipped recipe
    shared = {}
    for counted in (True, False):
        heads = {"grooming", "sextortion"} if counted else {"sextortion"}
        monkeypatch.setattr(trainer_module, "OTHER_HARM_IS_NEGATIVE", frozenset(heads))
        weights = head_weights(rows, "grooming")
        assert (weights[kind == 2] == (1.0 if counted else 0.0)).all()
        assert (weights[kind < 2] == 1.0).all()
        assert (head_weights(rows, "sextortion") == 1.0).all()
        shared[counted] = fit_logistic(x, rows.grooming, lam=1.0, weights=weights)[0][0, 0]
    # Counted as negatives, sextortion's offenders make the shared request weigh far less
    # for grooming than when the head only tells grooming from the benign.
    assert shared[False] > 2 * shared[True] > 0
