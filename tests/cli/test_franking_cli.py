"""`safeguarding franking rotate`: makes the keyring file, adds a key each run, refuses a
file it cannot read rather than overwrite it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from safeguarding.cli.main import app
from safeguarding.franking import KeyFile


def test_rotate_makes_and_rotates_the_key_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    path = tmp_path / "franking.json"
    assert runner.invoke(app, ["franking", "rotate"]).exit_code == 2  # no path, no setting
    first = runner.invoke(app, ["franking", "rotate", str(path)])
    assert first.exit_code == 0 and first.stdout.startswith("key 1: stamps ")
    monkeypatch.setenv("SAFEGUARDING_FRANKING_KEY_FILE", str(path))
    second = runner.invoke(app, ["franking", "rotate"])
    assert second.exit_code == 0 and "key 2: stamps" in second.stdout
    assert [k.key_id for k in KeyFile(path).keyring()] == [1, 2]
    path.write_text("[]")
    broken = runner.invoke(app, ["franking", "rotate"])
    assert broken.exit_code == 2 and "not a franking keyring" in broken.output
    assert path.read_text() == "[]"
