"""The moment model's hidden layer reading the previous message's embedding (moment_model.py,
`previous`): the rule, its file, and that streaming through a stored state gives the batch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from safeguarding.conversation.analyzer import ConversationAnalyzer
from safeguarding.conversation.loader import detector_for, load_moment
from safeguarding.conversation.moment_model import MomentModel, pair
from safeguarding.conversation.normalize import normalize
from safeguarding.conversation.tactic_model import RULE_TACTICS, MessageInputs
from safeguarding.conversation.training import trainer as trainer_module
from safeguarding.conversation.training.run import train
from safeguarding.errors import ConversationError
from tests.conversation.conftest import needs_model, random_moment, streamed, tiny_items
from tests.conversation.test_moment import SEXTORTION

F32 = np.float32
E = 4
D = E + len(RULE_TACTICS)


def test_each_message_is_read_beside_the_one_before_it() -> None:
    """The hidden layer of message i reads [dense_i, embedding_{i-1}] (zeros before the
    first), averaged with the linear logit; the pair rule then judges two messages."""
    model = random_moment(np.random.default_rng(11), E, previous=True)
    assert model.hidden is not None
    embeddings = np.random.default_rng(12).normal(size=(4, E)).astype(F32)
    texts = ["hey", "who is this", "you know who", "pay or else"]
    dense = MessageInputs.of(texts, embeddings).dense(E, "test")
    before = np.vstack([np.zeros((1, E), F32), embeddings[:-1]])
    hidden = model.hidden.logit(np.hstack([dense, before]).astype(F32))
    linear = dense @ model.dense + model.bias + np.concatenate([[0.0], before[1:] @ model.context])
    logits = (linear + hidden) / 2
    expected = [pair(float(a), float(b)) for a, b in zip(logits, [0.0, *logits[:-1]], strict=True)]
    assert np.allclose(model.conversation(texts, embeddings), expected, atol=1e-5)


def test_the_same_message_reads_differently_after_a_different_one() -> None:
    model = random_moment(np.random.default_rng(11), E, previous=True)
    rng = np.random.default_rng(13)
    last = rng.normal(size=(1, E))
    one = np.vstack([rng.normal(size=(1, E)), last]).astype(F32)
    two = np.vstack([rng.normal(size=(1, E)), last]).astype(F32)
    terms_one = model.terms(MessageInputs.of(["a", "b"], one))
    terms_two = model.terms(MessageInputs.of(["a", "b"], two))
    assert terms_one.pre is not None and terms_two.pre is not None
    assert terms_one.carry is not None and terms_two.carry is not None
    # its own part is the same; what the message before it hands over is not
    assert np.allclose(terms_one.pre[1], terms_two.pre[1])
    got = [
        model.step(float(terms_one.own[1]), terms_one.pre[1], None, "x", {}, terms_one.carry[0]),
        model.step(float(terms_two.own[1]), terms_two.pre[1], None, "x", {}, terms_two.carry[0]),
    ]
    assert got[0] != pytest.approx(got[1], abs=1e-6)


def test_a_previous_layer_is_saved_loaded_and_checked(tmp_path: Path) -> None:
    model = random_moment(np.random.default_rng(11), E, previous=True)
    model.save(tmp_path / "moment-use.npz")
    loaded = MomentModel.load(tmp_path / "moment-use.npz")
    assert loaded.previous and loaded.stepped
    embeddings = np.random.default_rng(14).normal(size=(3, E)).astype(F32)
    assert np.allclose(
        loaded.conversation(["a", "b", "c"], embeddings),
        model.conversation(["a", "b", "c"], embeddings),
    )
    with np.load(tmp_path / "moment-use.npz", allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    # a layer that reads only the message's own inputs does not match "hidden_previous"
    narrow = {
        k: v[:D] if k in ("hidden_mean", "hidden_scale", "hidden_w") else v
        for k, v in arrays.items()
    }
    np.savez(tmp_path / "bad.npz", **narrow)
    with pytest.raises(ConversationError, match="do not match"):
        MomentModel.load(tmp_path / "bad.npz")


@needs_model
def test_training_with_the_previous_message_streams_as_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Trained with the option on, the bundle loads with the wider layer; one message at a
    time through a state stored as JSON gives the batch's assessment, and the state carries
    the layer's H numbers from the latest message."""
    from safeguarding.conversation.loader import load_embedder

    embedder = load_embedder("use")
    assert embedder is not None
    monkeypatch.setattr(trainer_module, "MOMENT_PREVIOUS", True)
    train(tiny_items(), embedder, tmp_path, "use", "test", loso=False, iterations=15)
    model = load_moment("use", tmp_path)
    assert model is not None and model.previous and model.hidden is not None
    assert model.hidden.w.shape[0] == model.dense.shape[0] + model.embedding_dim
    analyzer = ConversationAnalyzer(detector_for(embedder, tmp_path))
    batch = analyzer.score("s", SEXTORTION)
    stream, state = streamed(analyzer, "s", SEXTORTION)
    assert stream.as_dict() == batch.as_dict()
    assert len(state.moment_carry) == model.hidden.b.shape[0]
    texts = [normalize(m.text) for m in SEXTORTION]
    embeddings = embedder.embed([normalize(m.text, numbers=False) for m in SEXTORTION])
    moments = model.conversation(texts, embeddings)
    assert float(moments.max()) == pytest.approx(state.moment_score, abs=1e-4)
