"""The README's Python example runs as written, on the database `db upgrade` made, and the
engine it builds refuses a database that command has not made."""

from __future__ import annotations

import re
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


def test_the_python_example_runs_after_db_upgrade(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # the example names safeguarding.db and photo.jpg here
    monkeypatch.delenv("SAFEGUARDING_DATABASE_URL", raising=False)
    (tmp_path / "photo.jpg").write_bytes(generated_image(5))
    example = compile(_library_example(), "README.md", "exec")
    with pytest.raises(DatabaseNotReadyError, match="safeguarding db upgrade"):
        exec(example, {})  # noqa: S102 (our own README)
    assert not (tmp_path / "safeguarding.db").exists()
    upgraded = CliRunner().invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.stderr
    exec(example, {})  # noqa: S102
    assert capsys.readouterr().out.startswith("None []")
