"""`safeguarding feed keygen|key|grant|grants|revoke` and `safeguarding exchange fetch`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safeguarding.cli.main import app

PDQ = "11" * 32


def test_feed_and_fetch_commands(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    db = ["--db", sqlite_url]
    key_file = tmp_path / "feed.pem"
    made = runner.invoke(app, ["feed", "keygen", str(key_file)])
    assert made.exit_code == 0 and len(made.stdout.strip()) == 64
    assert runner.invoke(app, ["feed", "keygen", str(key_file)]).exit_code == 2
    monkeypatch.setenv("SAFEGUARDING_FEED_KEY_FILE", str(key_file))
    assert runner.invoke(app, [*db, "feed", "key"]).stdout == made.stdout
    assert runner.invoke(app, [*db, "bank", "create", "shared"]).exit_code == 0
    key = json.loads(
        runner.invoke(app, [*db, "keys", "create", "sub", "--scope", "feeds:read", "--json"]).stdout
    )
    granted = runner.invoke(app, [*db, "feed", "grant", key["key_id"], "shared"])
    assert granted.exit_code == 0, granted.output
    listed = runner.invoke(app, [*db, "feed", "grants", "--json"])
    assert json.loads(listed.stdout)["bank"] == "shared"
    assert runner.invoke(app, [*db, "feed", "revoke", key["key_id"], "shared"]).exit_code == 0
    assert runner.invoke(app, [*db, "feed", "revoke", key["key_id"], "shared"]).exit_code == 2

    listing = tmp_path / "list.csv"
    listing.write_text(f"signal_type,value,id\npdq,{PDQ},u1\ntmk,abc,u2\n")
    runner.invoke(
        app,
        [
            *db,
            "exchange",
            "add",
            "x",
            "--kind",
            "file",
            "--bank",
            "shared",
            "--option",
            f"url={listing}",
        ],
    )
    runner.invoke(
        app,
        [
            *db,
            "exchange",
            "add",
            "y",
            "--kind",
            "file",
            "--bank",
            "shared",
            "--option",
            f"url={tmp_path / 'missing.csv'}",
        ],
    )
    fetched = runner.invoke(app, [*db, "exchange", "fetch", "x"])
    assert fetched.exit_code == 0, fetched.output
    assert "fetched 2, added 1, removed 0, skipped 1" in fetched.stdout
    every = runner.invoke(app, [*db, "exchange", "fetch"])
    assert every.exit_code == 2 and "cannot open" in every.output
    assert "x: 0 pages" in every.stdout
