"""The training sources under data/conversations/sources: each file reads as labelled
conversations, keeps its writer's brief beside it and has its row in the README's table,
and no conversation id is used twice (ids name conversations in reports and notes)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from safeguarding.conversation.labelled import read_labelled
from tests.conftest import ROOT

SOURCES = ROOT / "data" / "conversations" / "sources"
SHIPPED = ROOT / "src" / "safeguarding" / "conversation" / "data" / "model"


def _manifest(name: str) -> list[str]:
    """A list of sources under data/conversations: its lines but the comments and blanks."""
    text = (ROOT / "data" / "conversations" / name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


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


@pytest.mark.parametrize("name", ["use", "lexical"])
def test_the_manifest_names_the_shipped_bundles_sources(name: str) -> None:
    """The model card rebuilds each bundle from data/conversations/NAME-sources.txt: every
    path in it exists, and its sources are the ones the shipped report says it trained on, in
    the order it read them (a source added to the folder later does not change the rebuild;
    the tactic fit's gradient descent visits rows in the corpus's order, so a reordered list
    trains other weights: session 29's rebuild of `use` version 13 did, with two sources in
    alphabetical places that version 13 had read last)."""
    entries = _manifest(f"{name}-sources.txt")
    names: list[str] = []
    for entry in entries:
        path = ROOT / entry
        assert path.exists(), entry
        names += [p.stem for p in sorted(path.glob("*.jsonl"))] if path.is_dir() else [path.stem]
    report = json.loads((SHIPPED / f"report-{name}.json").read_text(encoding="utf-8"))
    assert names == list(report["in_sample"]["sources"])
    assert len(names) == len(set(names))


def test_the_never_seen_manifest_holds_no_source_the_shipped_use_bundle_trained_on() -> None:
    """`use`'s figures "never seen" (docs/conversation.md) are measured on
    data/conversations/never-seen-use.txt: every path in it is a source that exists, and none
    is one the shipped report says the bundle trained on."""
    entries = _manifest("never-seen-use.txt")
    assert len(entries) == len(set(entries)) == 31
    for entry in entries:
        assert (ROOT / entry).is_file(), entry
    report = json.loads((SHIPPED / "report-use.json").read_text(encoding="utf-8"))
    trained = set(report["in_sample"]["sources"])
    assert {(ROOT / e).stem for e in entries} & trained == set()
