"""The README runs as written: its Python example, on the database `db upgrade` made (and
the engine it builds refuses a database that command has not made), and its 'Using it'
shell block, each line through the CLI in a fresh folder with generated pictures for
`photo.jpg` and `uploads/`, up to `serve`."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safeguarding.cli.main import app
from safeguarding.demo import generated_image
from safeguarding.errors import DatabaseNotReadyError
from tests.conftest import ROOT


def _library_example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    found: list[str] = [b for b in blocks if "from safeguarding import Engine" in b]
    assert len(found) == 1
    return found[0]


def test_the_python_example_runs_after_db_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # the example names safeguarding.db and photo.jpg here
    monkeypatch.delenv("SAFEGUARDING_DATABASE_URL", raising=False)
    (tmp_path / "photo.jpg").write_bytes(generated_image(5))
    example = compile(_library_example(), "README.md", "exec")
    with pytest.raises(DatabaseNotReadyError, match="safeguarding --db URL db upgrade"):
        exec(example, {})  # noqa: S102 (our own README)
    assert not (tmp_path / "safeguarding.db").exists()
    upgraded = CliRunner().invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.stderr
    exec(example, {})  # noqa: S102
    assert capsys.readouterr().out.startswith("None []")


def _using_it() -> list[str]:
    section = (ROOT / "README.md").read_text().split("## Using it", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "README's 'Using it' has no shell block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_using_it_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the default database, safeguarding.db, lands here
    monkeypatch.delenv("SAFEGUARDING_DATABASE_URL", raising=False)
    (tmp_path / "photo.jpg").write_bytes(generated_image(1))
    (tmp_path / "uploads").mkdir()
    (tmp_path / "uploads" / "copy.jpg").write_bytes(generated_image(1))
    (tmp_path / "uploads" / "other.jpg").write_bytes(generated_image(2))
    lines = _using_it()
    assert lines[0] == ". .venv/bin/activate" and lines[-1] == "safeguarding serve"
    runner = CliRunner()
    for line in lines[1:-1]:  # serve runs until stopped: tests/api/test_serve.py starts it
        words = shlex.split(line, comments=True)
        target = None
        if ">" in words:
            words, target = words[: words.index(">")], words[words.index(">") + 1]
        assert words[0] == "safeguarding", line
        result = runner.invoke(app, words[1:])
        expected = 1 if words[1] == "match" else 0  # match: 1 means something matched
        assert result.exit_code == expected, f"{line}\n{result.output}"
        if target:
            (tmp_path / target).write_text(result.stdout)
        if words[1:3] == ["match", "uploads/"]:
            rows = [json.loads(row) for row in result.stdout.splitlines()]
            banks = {Path(r["path"]).name: {m["bank"] for m in r["matches"]} for r in rows}
            # the photo's copy is on the imported list; both were added to local-confirmed
            assert banks == {
                "copy.jpg": {"ncmec", "local-confirmed"},
                "other.jpg": {"local-confirmed"},
            }
    assert (tmp_path / "safeguarding.db").exists() and (tmp_path / "index").is_dir()
    assert (tmp_path / "hashes.txt").read_text().splitlines()[1].startswith("pdq ")
