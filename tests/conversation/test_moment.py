"""The sextortion moment model: trained with the bundle, saved in its documented format,
loaded, carried from one message to the next as one number in the state, and part of the
alert budget."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from safeguarding.conversation.analyzer import ConversationAnalyzer
from safeguarding.conversation.loader import detector_for, load_moment
from safeguarding.conversation.moment_model import MomentModel, pair
from safeguarding.conversation.normalize import normalize
from safeguarding.conversation.training import trainer as trainer_module
from safeguarding.conversation.training.budget import BUDGETS
from safeguarding.conversation.training.run import train
from safeguarding.conversation.training.trainer import MEMORY_MEASURED
from safeguarding.errors import ConversationError
from tests.conversation.conftest import chat, needs_model, random_moment, streamed, tiny_items

SEXTORTION = chat(
    "x: hey saw ur pics on the group chat",
    "x: i have screenshots of everything you sent",
    "k: what?? please delete them",
    "x: send 200 or your whole school sees them tonight",
)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not BUDGETS["moment_share"]:
        pytest.skip("the shipped recipe has no moment model")
    out = tmp_path_factory.mktemp("bundle")
    train(tiny_items(), None, out, "lexical", "test", loso=False, iterations=15)
    return out


def test_training_writes_a_moment_model_and_its_threshold(trained: Path) -> None:
    with np.load(trained / "moment-lexical.npz", allow_pickle=False) as data:
        assert set(data.files) == {"lexical", "dense", "context", "bias", "meta"}
    model = load_moment("lexical", trained)
    assert model is not None and model.embedding_dim == 0 and model.version == "test"
    risk = json.loads((trained / "risk-lexical.json").read_text())
    assert 0 < risk["thresholds"]["sextortion_moment"] < 1


def test_a_moment_model_is_streamed_as_one_number(trained: Path) -> None:
    analyzer = ConversationAnalyzer(detector_for(None, trained))
    batch = analyzer.score("s", SEXTORTION)
    stream, state = streamed(analyzer, "s", SEXTORTION)
    assert stream.as_dict() == batch.as_dict()
    assert 0 < state.moment_score < 1 and isinstance(state.moment_context, float)


def test_a_bundle_without_a_moment_model_loads(tmp_path: Path) -> None:
    assert load_moment("lexical", tmp_path) is None


def test_a_moment_file_that_does_not_match_its_metadata_is_refused(
    trained: Path, tmp_path: Path
) -> None:
    with np.load(trained / "moment-lexical.npz", allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["context"] = np.zeros(3, dtype=np.float32)
    np.savez(tmp_path / "moment-lexical.npz", **arrays)
    with pytest.raises(ConversationError, match="do not match"):
        MomentModel.load(tmp_path / "moment-lexical.npz")


def test_the_moment_context_carries_the_previous_message() -> None:
    """With embeddings, message i's logit adds message i-1's context term, and only it; the
    moment after message i judges its logit with message i-1's (0 before the first)."""
    rng = np.random.default_rng(3)
    from safeguarding.conversation import lexical
    from safeguarding.conversation.tactic_model import RULE_TACTICS

    model = MomentModel(
        np.zeros(lexical.BUCKETS, dtype=np.float32),
        np.zeros(4 + len(RULE_TACTICS), dtype=np.float32),
        np.ones(4, dtype=np.float32),
        0.0,
        "test",
        "test",
    )
    embeddings = rng.normal(size=(3, 4)).astype(np.float32)
    p = model.conversation(["a", "b", "c"], embeddings)
    logits = np.concatenate([[0.0], embeddings[:2].sum(axis=1)])
    before = np.concatenate([[0.0], logits[:2]])
    expected = 1 / (1 + np.exp(-(logits + before) / 2))
    assert np.allclose(p, expected, atol=1e-5)


def test_a_single_spike_counts_half_and_a_pair_counts_whole() -> None:
    """The moment judges a message with the one before it: a lone high message among
    ordinary ones reaches less than the same message after a high one (moment_model.pair)."""
    assert pair(6.0, -6.0) == 0.5
    assert pair(6.0, 6.0) > 0.997 and pair(6.0, 0.0) == pytest.approx(1 / (1 + np.exp(-3)))


def test_a_hidden_layer_is_averaged_with_the_linear_logit() -> None:
    """Message i's logit is the mean of the linear logit (with message i-1's context term)
    and the hidden layer's logit over message i's own dense inputs (moment_model.py)."""
    from safeguarding.conversation.tactic_model import MessageInputs

    rng = np.random.default_rng(5)
    model = random_moment(rng)
    assert model.hidden is not None
    texts = ["hey", "i saved the call", "send it by tonight"]
    embeddings = rng.normal(size=(3, 4)).astype(np.float32)
    dense = MessageInputs.of(texts, embeddings).dense(4, "test")
    linear = dense @ model.dense + model.bias
    linear[1:] += embeddings[:2] @ model.context
    hidden = np.maximum(
        ((dense - model.hidden.mean) / model.hidden.scale) @ model.hidden.w + model.hidden.b, 0
    )
    limit = np.log(1e7)
    logits = (linear + np.clip(hidden @ model.hidden.out + model.hidden.bias, -limit, limit)) / 2
    before = np.concatenate([[0.0], logits[:2]])
    expected = 1 / (1 + np.exp(-(logits + before) / 2))
    assert np.allclose(model.conversation(texts, embeddings), expected, atol=1e-4)


def test_a_hidden_layer_is_saved_loaded_and_checked(tmp_path: Path) -> None:
    model = random_moment(np.random.default_rng(6))
    model.save(tmp_path / "moment-use.npz")
    loaded = MomentModel.load(tmp_path / "moment-use.npz")
    assert loaded.hidden is not None and model.hidden is not None
    assert np.array_equal(loaded.hidden.w, model.hidden.w)
    assert loaded.hidden.bias == pytest.approx(model.hidden.bias)
    texts, embeddings = ["a", "b"], np.ones((2, 4), dtype=np.float32)
    assert np.allclose(
        loaded.conversation(texts, embeddings), model.conversation(texts, embeddings)
    )
    with np.load(tmp_path / "moment-use.npz", allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["hidden_out"] = np.zeros(5, dtype=np.float32)  # 3 units in hidden_w
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ConversationError, match="do not match"):
        MomentModel.load(tmp_path / "bad.npz")


def test_the_hidden_layer_learns_what_a_line_cannot() -> None:
    """fit_hidden: on an XOR of two inputs (no linear model ranks it above chance) the hidden
    layer ranks the positives first; the same data gives the same weights."""
    from safeguarding.conversation.metrics import roc_auc
    from safeguarding.conversation.moment_model import Hidden
    from safeguarding.conversation.training.fit import fit_hidden

    rng = np.random.default_rng(7)
    x = rng.normal(size=(600, 2))
    y = ((x[:, 0] > 0) != (x[:, 1] > 0)).astype(np.float64)
    arrays = fit_hidden(x, y, units=16, alpha=1e-4, epochs=300)
    again = fit_hidden(x, y, units=16, alpha=1e-4, epochs=300)
    assert all(np.array_equal(a, b) for a, b in zip(arrays, again, strict=True))
    mean, scale, w, b, out, bias = (np.asarray(a, dtype=np.float32) for a in arrays)
    logit = Hidden(mean, scale, w, b, out, float(bias[0])).logit(x.astype(np.float32))
    assert roc_auc(logit[y == 1].tolist(), logit[y == 0].tolist()) > 0.95


def test_a_bag_of_networks_is_one_layer_with_their_mean_logit() -> None:
    """fit_hidden(networks=3): three networks from consecutive seeds, side by side in one
    layer whose logit is the mean of theirs; each is the one fit_hidden gives alone."""
    from safeguarding.conversation.moment_model import Hidden
    from safeguarding.conversation.training.fit import fit_hidden

    rng = np.random.default_rng(11)
    x = rng.normal(size=(300, 3))
    y = (x[:, 0] * x[:, 1] > 0).astype(np.float64)
    bag = Hidden.of(fit_hidden(x, y, units=8, alpha=1e-4, epochs=50, networks=3))
    alone = [
        Hidden.of(fit_hidden(x, y, units=8, alpha=1e-4, epochs=50, seed=13 + k)) for k in range(3)
    ]
    assert bag.w.shape == (3, 24) and bag.out.shape == (24,)
    assert not np.array_equal(alone[0].w, alone[1].w)
    points = x[:20].astype(np.float32)
    mean = np.mean([a.logit(points) for a in alone], axis=0)
    assert np.allclose(bag.logit(points), mean, atol=1e-4)


@needs_model
def test_a_bundle_with_an_embedding_trains_a_hidden_layer_and_streams_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the encoder, training adds the hidden layer to the moment model; the bundle
    loads with it, and streaming one message at a time through a serialised state gives the
    batch's assessment (the state carries one number of context and, with a memory, K
    numbers per participant)."""
    from safeguarding.conversation.loader import load_embedder

    embedder = load_embedder("use")
    assert embedder is not None
    # with the memory at its measured size (the shipped recipe has none: docs, "Session 18")
    monkeypatch.setattr(trainer_module, "MOMENT_MEMORY", MEMORY_MEASURED)
    train(tiny_items(), embedder, tmp_path, "use", "test", loso=False, iterations=15)
    with np.load(tmp_path / "moment-use.npz", allow_pickle=False) as data:
        assert {"hidden_w", "hidden_out", "hidden_mean", "memory_components"} <= set(data.files)
    model = load_moment("use", tmp_path)
    assert model is not None and model.hidden is not None and model.embedding_dim == 512
    assert model.memory is not None and model.memory.size == MEMORY_MEASURED
    analyzer = ConversationAnalyzer(detector_for(embedder, tmp_path))
    batch = analyzer.score("s", SEXTORTION)
    stream, state = streamed(analyzer, "s", SEXTORTION)
    assert stream.as_dict() == batch.as_dict()
    assert isinstance(state.moment_context, float)
    # the memory: K numbers per participant, whatever the chat's length
    assert {k: len(v) for k, v in state.memories.items()} == {
        "x": MEMORY_MEASURED,
        "k": MEMORY_MEASURED,
    }
    # the batch replay of one conversation (training's thresholds) gives the streamed moment
    texts = [normalize(m.text) for m in SEXTORTION]
    embeddings = embedder.embed([normalize(m.text, numbers=False) for m in SEXTORTION])
    moments = model.conversation(texts, embeddings, [m.sender for m in SEXTORTION])
    assert float(moments.max()) == pytest.approx(state.moment_score, abs=1e-4)
