"""`safeguarding exchange ...`: add (a credential read from standard input), list, show,
remove, keygen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safeguarding.cli.main import app
from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.exchanges.vault import new_key
from tests.fakes.loopback import Loopback
from tests.fakes.ncmec import FakeNcmec

SECRET = "tok-5d2a-not-a-real-token"


def test_exchange_commands(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFEGUARDING_EXCHANGE_KEY", new_key())
    runner = CliRunner()
    db = ["--db", sqlite_url]
    assert runner.invoke(app, [*db, "bank", "create", "partner"]).exit_code == 0
    added = runner.invoke(
        app,
        [
            *db,
            "exchange",
            "add",
            "hotline",
            "--kind",
            "safeguarding",
            "--bank",
            "partner",
            "--option",
            "url=https://h.example",
            "--option",
            "feed=shared",
            "--option",
            "token=-",
            "--interval",
            "600",
        ],
        input=SECRET + "\n",
    )
    assert added.exit_code == 0, added.output
    assert "credentials token sealed" in added.stdout and SECRET not in added.output
    listed = runner.invoke(app, [*db, "exchange", "list", "--json"])
    assert listed.exit_code == 0 and SECRET not in listed.output
    assert json.loads(listed.stdout)["options"]["token"] == "[redacted]"
    shown = runner.invoke(app, [*db, "exchange", "show", "hotline"])
    assert "option token=[redacted]" in shown.stdout and SECRET not in shown.output
    engine = Engine(Settings(database_url=sqlite_url))
    assert engine.exchanges.credentials("hotline") == {"token": SECRET}
    engine.close()
    bad = runner.invoke(
        app, [*db, "exchange", "add", "x", "--kind", "file", "--bank", "partner", "--option", "url"]
    )
    assert bad.exit_code == 2 and "expected NAME=VALUE" in bad.output
    missing = runner.invoke(app, [*db, "exchange", "show", "nope"])
    assert missing.exit_code == 2 and "not found" in missing.output
    removed = runner.invoke(app, [*db, "exchange", "remove", "hotline"])
    assert removed.exit_code == 0
    assert "withdrew 0 claims; 0 entries left bank partner, 0 stayed" in removed.stdout
    assert runner.invoke(app, [*db, "exchange", "list", "--json"]).stdout == ""


def test_keygen_makes_a_usable_key(sqlite_url: str) -> None:
    made = CliRunner().invoke(app, ["exchange", "keygen"])
    assert made.exit_code == 0
    Engine(Settings(database_url=sqlite_url, exchange_key=made.stdout.strip())).close()


def test_worker_once_fetches_what_is_due(sqlite_url: str, tmp_path: Path) -> None:
    listing = tmp_path / "list.jsonl"
    listing.write_text('{"signal_type": "pdq", "value": "' + "ab" * 32 + '", "id": "u1"}\n')
    runner = CliRunner()
    db = ["--db", sqlite_url]
    assert runner.invoke(app, [*db, "bank", "create", "partner"]).exit_code == 0
    assert (
        runner.invoke(
            app,
            [
                *db,
                "exchange",
                "add",
                "list",
                "--kind",
                "file",
                "--bank",
                "partner",
                "--option",
                f"url={listing}",
            ],
        ).exit_code
        == 0
    )
    first = runner.invoke(app, [*db, "exchange", "worker", "--once"])
    assert first.exit_code == 0 and "added 1, removed 0" in first.stdout
    again = runner.invoke(app, [*db, "exchange", "worker", "--once"])
    assert again.exit_code == 0 and again.stdout == ""  # next due in an hour
    shown = runner.invoke(app, [*db, "exchange", "show", "list"])
    assert "failures in a row: 0" in shown.stdout and "next fetch: 20" in shown.stdout


def test_an_ncmec_exchange_from_the_command_line(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Added with its password from standard input, fetched by `exchange fetch` from the
    fake on 127.0.0.1 through the fetcher's own HTTP client."""
    fake = FakeNcmec()
    fake.put("image1", {"md5": "a1" * 16, "pdq": "11" * 32})
    fake.put("image2", {"md5": "b1" * 16})
    monkeypatch.setenv("SAFEGUARDING_EXCHANGE_KEY", new_key())
    runner = CliRunner()
    db = ["--db", sqlite_url]
    assert runner.invoke(app, [*db, "bank", "create", "ncmec-csam"]).exit_code == 0
    with Loopback(fake.app()) as server:
        options = [f"url={server.url}", "username=esp-user", "password=-"]
        added = runner.invoke(
            app,
            [*db, "exchange", "add", "ncmec", "--kind", "ncmec", "--bank", "ncmec-csam"]
            + [arg for option in options for arg in ("--option", option)],
            input="esp-pass\n",
        )
        assert added.exit_code == 0, added.output
        fetched = runner.invoke(app, [*db, "exchange", "fetch", "ncmec"])
    assert fetched.exit_code == 0, fetched.output
    engine = Engine(Settings(database_url=sqlite_url))
    shown = engine.exchanges.get("ncmec")
    assert (shown.added, shown.last_error) == (3, None)
    assert "esp-pass" not in json.dumps(shown.as_dict())
    engine.close()
