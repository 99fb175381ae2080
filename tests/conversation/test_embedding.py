"""Our torch-free MiniLM reproduces sentence-transformers' embeddings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from safeguarding.conversation.embedding.minilm import MiniLMNumpy, default_model_dir
from safeguarding.conversation.embedding.onnx_runtime import MiniLMOnnx
from tests.conversation.conftest import needs_model

REFERENCE = json.loads((Path(__file__).parent / "data" / "minilm_reference.json").read_text())

pytestmark = needs_model


@pytest.fixture(scope="module")
def model_dir() -> Path:
    found = default_model_dir()
    assert found is not None
    return found


def test_numpy_forward_matches_sentence_transformers(model_dir: Path) -> None:
    ours = MiniLMNumpy(model_dir).embed(REFERENCE["texts"])
    expected = np.array(REFERENCE["embeddings"], dtype=np.float32)
    assert np.abs(ours - expected).max() < 1e-4
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_onnx_float32_matches_numpy_and_int8_stays_close(model_dir: Path) -> None:
    texts = [*REFERENCE["texts"], "lol", "a much longer message " * 30, ""]
    reference = MiniLMNumpy(model_dir).embed(texts)
    fp32 = MiniLMOnnx(model_dir, quantize=False).embed(texts)
    int8 = MiniLMOnnx(model_dir, quantize=True).embed(texts)
    assert np.abs(fp32 - reference).max() < 1e-4
    cosines = (int8 * reference).sum(axis=1)
    assert cosines.min() > 0.95, cosines
    assert np.median(cosines) > 0.985, cosines


def test_batches_of_mixed_lengths_keep_order(model_dir: Path) -> None:
    texts = ["short", "a somewhat longer message about the weekend", "mid length one"] * 5
    exact = MiniLMOnnx(model_dir, quantize=False, batch_tokens=64)
    together = exact.embed(texts)
    alone = np.concatenate([exact.embed([t]) for t in texts])
    assert np.abs(together - alone).max() < 1e-4
    # int8 scales activations per batch, so a batch moves each row a little, never far.
    fast = MiniLMOnnx(model_dir, batch_tokens=64)
    together = fast.embed(texts)
    alone = np.concatenate([fast.embed([t]) for t in texts])
    assert (together * alone).sum(axis=1).min() > 0.97
    assert fast.embed([]).shape == (0, 384)
