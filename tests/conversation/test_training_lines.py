"""Phrase lines as training messages (training/lines.py): read with clear errors, appended
to the corpus as rows of no conversation, learnt from in every fit, and counted in no
conversation figure."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from safeguarding.conversation.tactics import Tactic
from safeguarding.conversation.training.corpus import build_corpus
from safeguarding.conversation.training.lines import MAX_LINE_CHARS, Line, read_lines
from safeguarding.conversation.training.run import train
from safeguarding.conversation.training.trainer import Trainer, moment_targets
from safeguarding.errors import ConversationFormatError
from tests.conversation.conftest import tiny_items

DATA = Path(__file__).parent / "data"
DESIGN = DATA / "threats-es-pt.jsonl"
HELD_OUT = DATA / "threats-es-pt-heldout.jsonl"
ITERATIONS = 15


def test_the_helpers_lines_read_with_their_tactics() -> None:
    lines = read_lines(DESIGN)
    assert len(lines) == 585
    kinds = {line.kind: line for line in lines}
    assert kinds["threat"].tactics == {Tactic.THREAT} and kinds["threat"].moment
    assert kinds["demand"].tactics == {Tactic.PAYMENT_DEMAND}
    assert kinds["leverage"].tactics == {Tactic.THREAT}
    for ordinary in ("joke", "debt", "commerce", "rule", "photos", "told"):
        assert not kinds[ordinary].tactics and not kinds[ordinary].moment


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("not json", "line 2: not JSON"),
        ("[1, 2]", "line 2: not a JSON object"),
        ('{"kind": "threat", "text": "  "}', "line 2: 'text' must be a non-empty string"),
        ('{"kind": "threat"}', "line 2: 'text' must be a non-empty string"),
        ('{"kind": "sermon", "text": "hola"}', "line 2: kind 'sermon' is not one of threat"),
        (json.dumps({"kind": "joke", "text": "a" * (MAX_LINE_CHARS + 1)}), "line 2: longer than"),
    ],
)
def test_a_bad_line_is_an_error_naming_the_file_and_line(
    tmp_path: Path, row: str, message: str
) -> None:
    path = tmp_path / "lines.jsonl"
    path.write_text('{"kind": "joke", "text": "te mato si no vienes jaja"}\n' + row + "\n")
    with pytest.raises(ConversationFormatError, match=f"lines.jsonl: {message}"):
        read_lines(path)


def test_lines_follow_the_conversations_as_rows_of_no_source() -> None:
    items = tiny_items()
    lines = [Line("paga o lo mando", "demand", frozenset({Tactic.PAYMENT_DEMAND}))]
    lines.append(Line("mi tía me debe 20", "debt", frozenset()))
    corpus = build_corpus(items, None, None, lines=lines)
    n = int(corpus.starts[-1])
    assert len(corpus.prepared.normalised) == n + 2
    assert corpus.line.tolist() == [False] * n + [True, True]
    assert corpus.sources == list(dict.fromkeys(i.source for i in items))
    assert corpus.tagged[n:].all()
    demand = list(corpus.tags[n]).index(1.0)
    assert list(Tactic)[demand] == Tactic.PAYMENT_DEMAND and not corpus.tags[n + 1].any()
    # every fit reads the lines, whatever sources it is fitted on
    assert corpus.training_rows(frozenset({"gaming"}))[n:].all()
    assert not corpus.training_rows(frozenset({"gaming"}))[corpus.rows(len(items) - 1)].any()
    y, used = moment_targets(corpus)
    assert used[n:].all() and y[n:].tolist() == [1.0, 0.0]


def test_the_models_learn_from_lines_and_read_held_out_ones_better() -> None:
    """Trained on three English files alone, the tactic model knows no Spanish or Portuguese
    threat; with the design lines it reads the held-out set's threats and demands (written
    by other helpers) surer than its ordinary lines, and surer than without them."""
    items = tiny_items()
    held = read_lines(HELD_OUT)
    texts = [line.text for line in held]
    harmful = np.array([line.moment for line in held])
    everything = None
    probabilities = {}
    for name, lines in (("without", []), ("with", read_lines(DESIGN))):
        trainer = Trainer(
            build_corpus(items, None, None, lines=lines), None, None, "t", iterations=ITERATIONS
        )
        everything = frozenset(trainer.corpus.sources)
        tactics = trainer.tactics(everything).predict(texts, None)
        columns = [list(Tactic).index(t) for t in (Tactic.THREAT, Tactic.PAYMENT_DEMAND)]
        probabilities[name] = tactics[:, columns].max(axis=1)
        moment = trainer.moment(everything)
        assert moment is not None
    gain = probabilities["with"][harmful].mean() - probabilities["without"][harmful].mean()
    assert gain > 0.2
    assert probabilities["with"][harmful].mean() > probabilities["with"][~harmful].mean() + 0.3


def test_training_with_lines_counts_conversations_only(tmp_path: Path) -> None:
    outcome = train(
        tiny_items(),
        None,
        tmp_path,
        "lexical",
        "t",
        loso=True,
        iterations=ITERATIONS,
        lines=read_lines(DESIGN),
    )
    assert outcome.loso["all"]["conversations"] == 27
    assert len(outcome.benign_held_out or []) == 9
