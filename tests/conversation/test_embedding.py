"""The multilingual sentence encoder the tactic model reads: unit vectors, stable, batch-
independent, and close across languages for the same meaning (why it was chosen)."""

from __future__ import annotations

import numpy as np
import pytest

from safeguarding.conversation.blas import one_thread
from safeguarding.conversation.embedding.use import UseEmbedder
from tests.conversation.conftest import needs_model

pytestmark = needs_model


@pytest.fixture(scope="module")
def encoder() -> UseEmbedder:
    return UseEmbedder()


def test_rows_are_unit_vectors_and_empty_input_is_empty(encoder: UseEmbedder) -> None:
    vectors = encoder.embed(["hello there", "a", "🙂🙂", "x" * 5000])
    assert vectors.shape == (4, encoder.dimension) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.embed([]).shape == (0, encoder.dimension)


def test_a_text_embeds_the_same_alone_and_in_a_batch(encoder: UseEmbedder) -> None:
    texts = ["where do you go to school", "ok", "see you at practice tomorrow then"]
    batch = encoder.embed(texts)
    alone = np.vstack([encoder.embed([t]) for t in texts])
    assert np.abs(batch - alone).max() < 1e-4


def test_the_same_question_is_closer_across_languages_than_another_question(
    encoder: UseEmbedder,
) -> None:
    english, spanish, portuguese, other = encoder.embed(
        [
            "how old are you",
            "cuántos años tienes",
            "quantos anos você tem",
            "what time does the match start",
        ]
    )
    assert english @ spanish > english @ other + 0.2
    assert english @ portuguese > english @ other + 0.2


def test_scoring_keeps_blas_to_one_thread() -> None:
    # Batch products spun a second OpenBLAS thread for nothing (conversation/blas.py).
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with one_thread():
        blas = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    assert blas and all(i["num_threads"] == 1 for i in blas)
