"""`safeguarding cases purge`: the evidence retention timer for previews and upload metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safeguarding.cases import intake
from safeguarding.cases.model import Subject
from safeguarding.cases.uploads import UploadInfo
from safeguarding.cli.main import app
from safeguarding.config import Settings
from safeguarding.demo import generated_image
from safeguarding.engine import Engine


def test_purge_clears_upload_metadata_past_retention(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = Engine(Settings(database_url=sqlite_url))
    case_id = engine.cases.open(
        intake.from_user_report(
            "csam", "", Subject("post-1"), upload=UploadInfo.parse(uploader_ip="192.0.2.1")
        ),
        "key:t",
    ).case.id
    runner = CliRunner()
    kept = runner.invoke(app, ["--db", sqlite_url, "cases", "purge"])
    assert kept.exit_code == 0 and "from 0 samples" in kept.stdout
    monkeypatch.setenv("SAFEGUARDING_PREVIEW_RETENTION_DAYS", "0")
    purged = runner.invoke(app, ["--db", sqlite_url, "cases", "purge-previews"])
    assert purged.exit_code == 0, purged.output
    assert "removed 0 previews, cleared upload metadata from 1 samples" in purged.stdout
    sample = engine.cases.get(case_id).evidence[0].samples[0]
    assert sample.upload == {} and sample.content_id == "post-1"
    engine.close()


def test_match_with_a_content_id_opens_the_case_as_the_api_does(
    sqlite_url: str, tmp_path: Path
) -> None:
    runner = CliRunner()
    original = tmp_path / "original.jpg"
    original.write_bytes(generated_image(4))
    assert (
        runner.invoke(
            app, ["--db", sqlite_url, "bank", "create", "b", "--action", "block"]
        ).exit_code
        == 0
    )
    assert (
        runner.invoke(app, ["--db", sqlite_url, "bank", "add", "b", str(original)]).exit_code == 0
    )
    upload = tmp_path / "upload.jpg"
    upload.write_bytes(generated_image(4))
    args = [
        "--db",
        sqlite_url,
        "match",
        "--json",
        "--content-id",
        "post-9",
        "--account-id",
        "user-3",
        str(upload),
    ]
    first, again = runner.invoke(app, args), runner.invoke(app, args)
    assert first.exit_code == again.exit_code == 1, first.output
    opened, joined = json.loads(first.stdout)["case"], json.loads(again.stdout)["case"]
    assert opened["created"] is True and joined == {**opened, "created": False}
    engine = Engine(Settings(database_url=sqlite_url))
    try:
        case = engine.cases.get(opened["id"])
        assert (case.subject.content_id, case.subject.account_id) == ("post-9", "user-3")
        assert case.evidence[0].kind == "match" and case.evidence[0].count == 2
    finally:
        engine.close()
    miss = tmp_path / "miss.jpg"
    miss.write_bytes(generated_image(50))
    missed = runner.invoke(app, [*args[:-1], str(miss)])
    assert missed.exit_code == 0 and json.loads(missed.stdout)["case"] is None
    two = runner.invoke(app, [*args, str(miss)])
    assert two.exit_code == 2 and "exactly one" in two.stderr
