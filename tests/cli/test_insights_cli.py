from __future__ import annotations

import csv
import io
import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safeguarding.cli.main import app
from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.insights.counters import Surface, Tally
from safeguarding.matching.result import MatchResult
from tests.conftest import ROOT

runner = CliRunner()
POLICE_A = ROOT / "data" / "insights" / "records" / "police-a.csv"


def _records(path: Path, header: str, *rows: str) -> Path:
    path.write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")
    return path


def test_attribute_prints_shares_groups_and_changes(tmp_path: Path) -> None:
    path = _records(
        tmp_path / "r.csv",
        "force,year,text",
        "Kent,2022/23,on snap",
        "Kent,2022/23,insta and fb",
        "Kent,2023/24,via snapchat",
        "Kent,2023/24,usb stick",
    )
    result = runner.invoke(app, ["insights", "attribute", str(path), "--by", "year"])
    assert result.exit_code == 0, result.output
    assert "2022/23: 2 records, 2 name a platform" in result.output
    assert "Snapchat" in result.output and "50%" in result.output
    assert "meta (facebook+instagram+whatsapp): summed 2 = 100.0%" in result.output
    assert "2022/23 -> 2023/24 over 1 forces in both: 2 -> 2 records (0%)" in result.output
    assert "counts once for each" in result.output


def test_attribute_json_and_csv_on_the_development_set() -> None:
    result = runner.invoke(
        app,
        [
            "insights",
            "attribute",
            str(POLICE_A),
            "--keywords",
            "nspcc-2024",
            "--by",
            "force,year",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["keywords"]["name"] == "nspcc-2024" and doc["by"] == ["force", "year"]
    assert sum(b["records"] for b in doc["breakdowns"]) == 1000
    result = runner.invoke(app, ["insights", "attribute", str(POLICE_A), "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 22 and rows[0]["platform"] == "snapchat"
    assert rows[0]["records"] == "1000" and int(rows[0]["count"]) > 100


def test_attribute_with_other_column_names_and_a_chart(tmp_path: Path) -> None:
    path = _records(tmp_path / "r.csv", "Force,FY,MO", "Kent,2023/24,met on tik tok")
    chart = tmp_path / "chart.png"
    result = runner.invoke(
        app,
        [
            "insights",
            "attribute",
            str(path),
            "--force-column",
            "Force",
            "--year-column",
            "FY",
            "--text-column",
            "MO",
            "--chart",
            str(chart),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "TikTok" in result.output and chart.stat().st_size > 0


def test_attribute_errors_are_clear_and_exit_2(tmp_path: Path) -> None:
    path = _records(tmp_path / "r.csv", "force,year,text", "Kent,2023/24,ok", "Kent,2023/24")
    result = runner.invoke(app, ["insights", "attribute", str(path)])
    assert result.exit_code == 2
    assert f"{path}:3: 2 fields, but the header has 3" in result.output
    result = runner.invoke(app, ["insights", "attribute", str(path), "--text-column", "MO"])
    assert result.exit_code == 2 and "no column 'MO'" in result.output
    result = runner.invoke(app, ["insights", "attribute", str(path), "--by", "month"])
    assert result.exit_code == 2 and "unknown breakdown 'month'" in result.output
    result = runner.invoke(app, ["insights", "attribute", str(path), "--keywords", "nope"])
    assert result.exit_code == 2 and "no bundled keyword set 'nope'" in result.output


def test_evaluate_meets_the_targets_on_the_development_set() -> None:
    result = runner.invoke(app, ["insights", "evaluate", str(POLICE_A)])
    assert result.exit_code == 0, result.output
    assert "1,000 records" in result.output
    assert "precision >= 0.98, recall >= 0.95: met" in result.output


def test_evaluate_exits_1_and_shows_misses(tmp_path: Path) -> None:
    path = _records(
        tmp_path / "r.csv", "id,force,year,text,platforms", "a1,Kent,2023/24,the ghost app,snapchat"
    )
    result = runner.invoke(app, ["insights", "evaluate", str(path), "--show-misses"])
    assert result.exit_code == 1
    assert "TARGET MISSED" in result.output
    assert "line 2 (id a1): named snapchat, found -: 'the ghost app'" in result.output
    as_json = json.loads(runner.invoke(app, ["insights", "evaluate", str(path), "--json"]).output)
    assert as_json["targets_met"] is False and as_json["misses"][0]["id"] == "a1"
    result = runner.invoke(app, ["insights", "evaluate", str(path), "--truth-column", "truth"])
    assert result.exit_code == 2 and "no column 'truth'" in result.output


def test_keywords_lists_and_shows_sets() -> None:
    listed = runner.invoke(app, ["insights", "keywords"])
    assert listed.exit_code == 0
    assert re.search(r"nspcc-2024\s+2024\.1\s+22 platforms", listed.output)
    shown = runner.invoke(app, ["insights", "keywords", "nspcc-2024"])
    assert "snapchat   Snapchat" in shown.output and "in context: snap" in shown.output


def _counted(db_url: str, items: int, at: datetime) -> None:
    engine = Engine(Settings(database_url=db_url))
    try:
        tally = Tally()
        for _ in range(items):
            tally.add(MatchResult([]), ["pdq"], Surface.MESSAGE, at)
        engine.counters.record(tally)
    finally:
        engine.close()


def test_report_writes_json_csv_and_html(sqlite_url: str, tmp_path: Path) -> None:
    _counted(sqlite_url, 30, datetime(2026, 3, 1, 12, tzinfo=UTC))
    _counted(sqlite_url, 4, datetime(2026, 3, 2, 12, tzinfo=UTC))
    base = ["--db", sqlite_url, "insights", "report", "--from", "2026-03-01", "--to", "2026-03-03"]
    result = runner.invoke(app, [*base, "--by", "day"])
    assert result.exit_code == 0, result.output
    checked = next(t for t in json.loads(result.stdout)["tables"] if t["name"] == "checked")
    by_day = {row["row"]: row["message"] for row in checked["rows"]}
    # 4 is withheld, and so is the 30, which would give it back from the total (kept)
    assert by_day == {"2026-03-01": None, "2026-03-02": None, "(total)": 34}
    result = runner.invoke(app, [*base, "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {
        "table": "checked",
        "row": "all",
        "column": "message",
        "value": "34",
        "note": "",
    } in lines
    page = tmp_path / "report.html"
    result = runner.invoke(app, [*base, "--format", "html", "-o", str(page)])
    assert result.exit_code == 0, result.output
    assert "<h1>Transparency report</h1>" in page.read_text() and "34" in page.read_text()


def test_report_refuses_bad_dates(sqlite_url: str) -> None:
    base = ["--db", sqlite_url, "insights", "report"]
    result = runner.invoke(app, [*base, "--from", "2026-13-01", "--to", "2026-03-01"])
    assert result.exit_code == 2 and "--from: not a date" in result.stderr
    result = runner.invoke(app, [*base, "--from", "2026-03-01", "--to", "2026-03-01"])
    assert result.exit_code == 2 and "--to must be after --from" in result.stderr


def test_report_writes_pdf_and_a_chart_without_withheld_counts(
    sqlite_url: str, tmp_path: Path
) -> None:
    _counted(sqlite_url, 30, datetime(2026, 3, 1, 12, tzinfo=UTC))
    _counted(sqlite_url, 4, datetime(2026, 3, 2, 12, tzinfo=UTC))
    base = ["--db", sqlite_url, "insights", "report", "--from", "2026-03-01", "--to", "2026-03-03"]
    document, chart = tmp_path / "report.pdf", tmp_path / "chart.png"
    result = runner.invoke(
        app, [*base, "--by", "day", "--format", "pdf", "-o", str(document), "--chart", str(chart)]
    )
    assert result.exit_code == 0, result.output
    data = document.read_bytes()
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-64:]
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_report_without_weasyprint_names_the_extra_and_the_html_route(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    document = tmp_path / "report.pdf"
    base = ["--db", sqlite_url, "insights", "report", "--from", "2026-03-01", "--to", "2026-03-03"]
    result = runner.invoke(app, [*base, "--format", "pdf", "-o", str(document)])
    assert result.exit_code == 2
    assert "pip install 'safeguarding[pdf]'" in result.stderr
    assert "--format html and print it to PDF" in result.stderr
    assert not document.exists()
