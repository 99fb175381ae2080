"""The moment model's memory (moment_memory.py): the rule that carries what each participant
has said, its file arrays, and that it changes what the hidden layer reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from safeguarding.conversation.moment_memory import Memory, fit_memory
from safeguarding.conversation.moment_model import MomentModel
from safeguarding.conversation.tactic_model import RULE_TACTICS
from safeguarding.errors import ConversationError
from tests.conversation.conftest import random_moment

F32 = np.float32
E = 4
D = E + len(RULE_TACTICS)


def _memory(k: int = 2, decay: float = 0.5) -> Memory:
    rng = np.random.default_rng(1)
    return Memory(np.zeros(D, F32), np.ones(D, F32), rng.normal(size=(k, D)).astype(F32), decay)


def test_each_message_reads_its_senders_memory_then_the_others() -> None:
    """own_p <- decay * own_p + (1 - decay) * projection; a message by s reads [own_s, the
    mean of the others' own] from before it (zeros before anything is known)."""
    memory = _memory()
    dense = np.random.default_rng(2).normal(size=(4, D)).astype(F32)
    p = memory.project(dense)
    got = memory.contexts(["a", "b", "a", "c"], dense)
    a1, b1 = 0.5 * p[0], 0.5 * p[1]
    assert np.allclose(got[0], 0) and np.allclose(got[1], np.concatenate([[0, 0], a1]))
    assert np.allclose(got[2], np.concatenate([a1, b1]), atol=1e-4)
    a2 = 0.5 * a1 + 0.5 * p[2]
    assert np.allclose(got[3], np.concatenate([[0, 0], (a2 + b1) / 2]), atol=1e-4)


def test_the_memory_stays_the_same_size_however_long_the_chat() -> None:
    memory = _memory(k=3)
    memories: dict[str, list[float]] = {}
    rng = np.random.default_rng(3)
    for i in range(500):
        sender = "ab"[i % 2]
        memories[sender] = memory.remember(memories.get(sender, []), rng.normal(size=3).astype(F32))
    assert {k: len(v) for k, v in memories.items()} == {"a": 3, "b": 3}
    assert all(abs(v) < 10 for values in memories.values() for v in values)


def test_fitted_directions_are_the_largest_variance_and_repeatable() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(400, 6))
    x[:, 2] += 5 * rng.normal(size=400)  # correlated with nothing, but standardised away
    x[:, 4] = x[:, 1] + 0.01 * rng.normal(size=400)  # two columns move together
    memory = fit_memory(x, 1, 0.5)
    top = np.abs(memory.components[0])
    assert set(np.argsort(top)[-2:]) == {1, 4}
    again = fit_memory(x, 1, 0.5)
    assert np.array_equal(memory.components, again.components)


def test_what_came_before_changes_the_moment_of_the_same_message() -> None:
    """With a memory the same last message scores differently after different histories;
    the pair rule alone would see only the message before it."""
    model = random_moment(np.random.default_rng(5), E, memory=_memory())
    rng = np.random.default_rng(6)
    last = rng.normal(size=(1, E)).astype(F32)
    shared_before = rng.normal(size=(1, E)).astype(F32)
    one = np.vstack([rng.normal(size=(2, E)), shared_before, last]).astype(F32)
    two = np.vstack([rng.normal(size=(2, E)), shared_before, last]).astype(F32)
    texts, senders = ["a", "b", "c", "d"], ["x", "y", "x", "y"]
    first = model.conversation(texts, one, senders)
    second = model.conversation(texts, two, senders)
    assert first[-1] != pytest.approx(second[-1], abs=1e-6)
    with pytest.raises(ValueError, match="senders"):
        model.conversation(texts, one)


def test_a_memory_is_saved_loaded_and_checked(tmp_path: Path) -> None:
    model = random_moment(np.random.default_rng(5), E, memory=_memory())
    model.save(tmp_path / "moment-use.npz")
    loaded = MomentModel.load(tmp_path / "moment-use.npz")
    assert loaded.memory is not None and loaded.memory.decay == 0.5
    embeddings = np.random.default_rng(7).normal(size=(3, E)).astype(F32)
    args = (["a", "b", "c"], embeddings, ["x", "y", "x"])
    assert np.allclose(loaded.conversation(*args), model.conversation(*args))
    with np.load(tmp_path / "moment-use.npz", allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    for broken in (
        {k: v for k, v in arrays.items() if k != "memory_decay"},  # all or none
        arrays | {"memory_components": np.zeros((2, D + 1), F32)},
        arrays | {"hidden_w": np.zeros((D, 3), F32)},  # the layer must read the memory too
    ):
        np.savez(tmp_path / "bad.npz", **broken)
        with pytest.raises(ConversationError, match="do not match"):
            MomentModel.load(tmp_path / "bad.npz")
