"""`safeguarding scan backfill` end to end: a Parquet folder, the package's LocalCluster
given as --scheduler, the report as JSON; bad input exits 2 with a message."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from safeguarding.cli.main import app
from safeguarding.config import Settings
from safeguarding.engine import Engine

runner = CliRunner()
PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
MD5 = "0cc175b9c0f1b6a831c399e269772661"


def test_scan_backfill_command(sqlite_url: str, cluster: str, tmp_path: Path) -> None:
    engine = Engine(Settings(database_url=sqlite_url))
    engine.banks.create_bank("b", "test")
    with engine.db.read() as session:
        since = engine.banks.store.last_change_id(session)
    engine.banks.add_signals("b", [("pdq", PDQ, None), ("md5", MD5, None)], "test")
    engine.close()
    near = f"{int(PDQ, 16) ^ 0b1011:064x}"
    folder = tmp_path / "hashes"
    folder.mkdir()
    pq.write_table(
        pa.table(
            {
                "content_id": ["a", "b", "c", "d"],
                "pdq": [near, "0" * 64, PDQ, None],
                "md5_hex": [None, None, None, MD5.upper()],
            }
        ),
        folder / "uploads.parquet",
    )
    args = ["--db", sqlite_url, "scan", "backfill", "--hashes", str(folder)]
    common = ["--since", str(since), "--scheduler", cluster, "--checkpoint", str(tmp_path / "cp")]
    common += ["--md5-column", "md5_hex"]
    result = runner.invoke(app, [*args, *common, "--json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["matches"] == 3 and report["cases_opened"] == 3 and report["rows"] == 4
    assert report["entries"] == 2 and report["invalid"] == 0
    assert "1/1 partitions, 4 hashes" in result.stderr  # the progress line
    again = runner.invoke(app, [*args, *common])
    assert again.exit_code == 0 and "0 matches" in again.stdout

    missing = runner.invoke(
        app,
        [
            "--db",
            sqlite_url,
            "scan",
            "backfill",
            "--hashes",
            str(tmp_path / "none"),
            "--since",
            "0",
        ],
    )
    assert missing.exit_code == 2 and "no Parquet file there" in missing.stderr
