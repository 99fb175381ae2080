"""`safeguarding cases purge`: the evidence retention timer for previews and upload metadata."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from safeguarding.cases import intake
from safeguarding.cases.model import Subject
from safeguarding.cases.uploads import UploadInfo
from safeguarding.cli.main import app
from safeguarding.config import Settings
from safeguarding.engine import Engine


def test_purge_clears_upload_metadata_past_retention(sqlite_url: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    engine = Engine(Settings(database_url=sqlite_url))
    case_id = engine.cases.open(intake.from_user_report(
        "csam", "", Subject("post-1"), upload=UploadInfo.parse(uploader_ip="192.0.2.1")),
        "key:t").case.id
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
