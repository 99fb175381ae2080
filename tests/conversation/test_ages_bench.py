"""bench/conversation_ages.py: ages read from text against the writer's, ages withheld."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_it_counts_the_ages_read_against_the_writers(tmp_path: Path) -> None:
    chat = {
        "id": "a1",
        "label": "grooming",
        "first_harm_index": None,
        "participants": {
            "u1": {"age": 31, "role": "adult"},
            "u2": {"age": 13, "role": "child"},
            "u3": {"age": 15, "role": "child"},
        },
        "messages": [
            {"sender": "u1", "text": "hey im 14 too lol"},  # posing as a peer
            {"sender": "u2", "text": "im 13"},
            {"sender": "u3", "text": "see you at practice"},
        ],
    }
    file = tmp_path / "mine.jsonl"
    file.write_text(json.dumps(chat) + "\n", encoding="utf-8")
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "conversation_ages.py"), str(file)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "minors: 2, an age read for 1, 1 of them under 18, 1 exactly" in out
    assert "adults: 1, an age read for 1, 1 of them under 18, 0 exactly" in out
