"""`safeguarding demo e2ee` as docs/device.md shows it, and what it proves: the relay never
sees a message, the child is nudged and a picture blurred, and the report opens a case."""

from __future__ import annotations

import re
import shlex

from typer.testing import CliRunner

from safeguarding.cli.main import app
from safeguarding.franking import walkthrough
from tests.conftest import ROOT


def test_the_demo_runs_as_the_docs_show_it() -> None:
    docs = (ROOT / "docs" / "device.md").read_text(encoding="utf-8")
    command = re.search(r"^\$ (safeguarding demo e2ee.*)$", docs, re.MULTILINE)
    assert command is not None, "docs/device.md shows no `$ safeguarding demo e2ee`"
    result = CliRunner().invoke(app, shlex.split(command.group(1))[1:])
    assert result.exit_code == 0, result.output
    for shown in (
        "[nudge for bob]",
        "not your fault",
        "[picture blurred on bob's phone",
        "report verified",
        "case #1 opened",
        "and no message",
    ):
        assert shown in result.stdout, shown


def test_the_relay_sees_no_message_and_the_case_holds_the_verified_ones() -> None:
    lines: list[str] = []
    outcome = walkthrough.run(lines.append, model="none")
    seen = b"".join(outcome.relay_saw)
    # Random ciphertext holds any given two bytes by chance (b"13" in a few KB: several
    # percent of runs), so a reply like "13" proves nothing; four bytes or more match
    # random bytes about once in a million runs.
    checked = [t for t in outcome.texts if len(t.encode()) >= 4]
    assert len(checked) >= 6 and not [t for t in checked if t.encode() in seen]
    assert outcome.nudges and all(n.about == "mallory" for n in outcome.nudges)
    assert outcome.flagged_pictures == 1 and outcome.case_id == 1
    assert any("3 reported" in line for line in lines)


def test_a_bad_model_choice_is_refused() -> None:
    result = CliRunner().invoke(app, ["demo", "e2ee", "--model", "gpt"])
    assert result.exit_code == 2 and "auto, use or none" in result.output
