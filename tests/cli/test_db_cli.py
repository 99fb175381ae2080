"""`safeguarding db upgrade` makes the database; other commands refuse to."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from safeguarding.cli.main import app
from safeguarding.store.db import head_revision

runner = CliRunner()


def test_commands_refuse_a_database_db_upgrade_has_not_made(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    url = f"sqlite:///{path}"
    for command in (["bank", "list"], ["serve"], ["audit", "verify"]):
        refused = runner.invoke(app, ["--db", url, *command])
        assert refused.exit_code == 2, command
        assert "safeguarding --db URL db upgrade" in " ".join(refused.stderr.split())
        assert not path.exists()
    created = runner.invoke(app, ["--db", url, "db", "upgrade"])
    assert created.exit_code == 0 and "created the database" in created.stdout
    again = runner.invoke(app, ["--db", url, "db", "upgrade"])
    assert again.exit_code == 0 and f"up to date (schema {head_revision()})" in again.stdout
    listed = runner.invoke(app, ["--db", url, "bank", "list"])
    assert listed.exit_code == 0, listed.stderr
