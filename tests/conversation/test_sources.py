"""The training sources under data/conversations/sources: each file reads as labelled
conversations, keeps its writer's brief beside it and has its row in the README's table,
and no conversation id is used twice (ids name conversations in reports and notes)."""

from __future__ import annotations

from collections import Counter

from safeguarding.conversation.labelled import read_labelled
from tests.conftest import ROOT

SOURCES = ROOT / "data" / "conversations" / "sources"


def test_every_source_reads_and_has_its_brief_and_row() -> None:
    readme = (SOURCES / "README.md").read_text(encoding="utf-8")
    files = sorted(SOURCES.glob("*.jsonl"))
    assert len(files) >= 47
    ids: Counter[str] = Counter()
    for path in files:
        items = read_labelled(path)
        assert items, path.name
        assert {i.label for i in items} <= {"grooming", "sextortion", "benign"}
        assert (SOURCES / f"{path.stem}.BRIEF.md").is_file(), path.name
        assert f"| `{path.name}` |" in readme, path.name  # a row of its table
        ids.update(i.conversation.id for i in items)
    assert [i for i, n in ids.items() if n > 1] == []
