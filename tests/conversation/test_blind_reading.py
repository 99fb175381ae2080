"""The blind-reading records (data/conversations/blind-reading/, bench/blind_reading.py): each
key names real excerpts cut where its README says, and each reader answered every item."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from safeguarding.conversation.labelled import read_sources

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "data" / "conversations" / "blind-reading"
SOURCES = ROOT / "data" / "conversations" / "sources"


@pytest.mark.parametrize("sample", ["sample1", "sample2"])
def test_each_excerpt_is_cut_where_the_key_says(sample: str) -> None:
    key = json.loads((FOLDER / f"{sample}-key.json").read_text(encoding="utf-8"))
    wanted = {k["id"] for k in key}
    files = sorted({SOURCES / f"{k['source']}.jsonl" for k in key})
    chats = {i.conversation.id: i for i in read_sources(files) if i.conversation.id in wanted}
    assert len(chats) == len(key) == len(wanted)
    for k in key:
        item = chats[k["id"]]
        harmful = not k["kind"].startswith("benign")
        assert (item.label == "sextortion") == harmful
        assert item.label in ("sextortion", "benign")
        if harmful:
            # the first threat or demand and the message after it: the engine's "on time"
            assert item.first_threat_index is not None
            assert k["shown"] == item.first_threat_index + 2
        assert 1 <= k["shown"] <= len(item.conversation.messages)
    for answers in FOLDER.glob(f"{sample}-reader-*.json"):
        given = json.loads(answers.read_text(encoding="utf-8"))
        assert sorted(a["item"] for a in given) == sorted(k["item"] for k in key)
        assert all(0 <= a["probability"] <= 100 for a in given)


def test_the_excerpts_the_readers_read_are_rebuilt_from_the_key() -> None:
    done = subprocess.run(
        [sys.executable, "bench/blind_reading.py", "excerpts", str(FOLDER / "sample1-key.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.count("## Item ") == 100
    assert "- AB: " in done.stdout and "- CD: " in done.stdout
