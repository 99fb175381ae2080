from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from safeguarding.cli.main import app

runner = CliRunner()
DEV_SET = Path(__file__).parents[2] / "data" / "conversations" / "dev.jsonl"


def _write(path: Path, *lines: object) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    return path


def test_score_outputs_the_documented_fields(tmp_path: Path) -> None:
    file = _write(
        tmp_path / "in.jsonl",
        {"id": "s1", "messages": [
            {"sender": "x", "ts": "1", "text": "hey"},
            {"sender": "x", "ts": "2", "text": "i'll send your pics to all your friends"},
            {"sender": "x", "ts": "3", "text": "unless you pay $100"}],
         "participants": {"k": {"age": 15}}},
        {"id": "ok", "messages": [{"sender": "a", "ts": "1", "text": "see you at practice"}]})
    result = runner.invoke(app, ["conversation", "score", str(file), "--json",
                                 "--model", "none"])
    assert result.exit_code == 1, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["id"] for r in rows] == ["s1", "ok"]
    first = rows[0]
    for key in ("id", "alert", "category", "first_alert_index", "grooming_score",
                "sextortion_score", "tier", "evidence"):
        assert key in first
    assert first["alert"] and first["category"] == "sextortion"
    assert first["first_alert_index"] == 1 and first["tier"] == "urgent"
    assert rows[1]["alert"] is False and rows[1]["first_alert_index"] is None
    human = runner.invoke(app, ["conversation", "score", str(file), "--model", "none"])
    assert "sextortion alert" in human.output and "[threat]" in human.output


def test_bad_lines_are_named_and_the_rest_scored(tmp_path: Path) -> None:
    file = _write(tmp_path / "bad.jsonl", "not json",
                  {"id": "x", "messages": "nope"},
                  {"id": "big", "messages": [{"sender": "a", "text": "x" * 200_000}]},
                  {"id": "fine", "messages": [{"sender": "a", "text": "hi"}]})
    result = runner.invoke(app, ["conversation", "score", str(file), "--json",
                                 "--model", "none"])
    assert result.exit_code == 2
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r.get("line") for r in rows[:3]] == [1, 2, 3]
    assert "exceeds the limit" in rows[2]["error"]
    assert rows[3]["id"] == "fine" and rows[3]["alert"] is False


def test_eval_reports_each_category() -> None:
    result = runner.invoke(app, ["conversation", "eval", str(DEV_SET), "--json",
                                 "--model", "none"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["model"] == "rules only"
    assert report["grooming"]["average_precision"] > 0.9
    assert report["sextortion"]["alerted_within_1_message_of_threat"] >= 0.95
    assert report["benign_alerts_per_1000"] <= 10


def test_eval_names_a_bad_line_and_exits_2(tmp_path: Path) -> None:
    good = {"id": "a", "label": "benign", "messages": [{"sender": "a", "text": "hi"}]}
    for bad, reason in [("not json", "line 2"),
                        ({"id": "b", "label": "spam", "messages": []}, "'label'"),
                        ({"id": "c", "label": "benign", "messages": "x"}, "'messages'"),
                        ({"id": "d", "label": "grooming", "first_harm_index": "3",
                          "messages": []}, "first_harm_index")]:
        file = _write(tmp_path / "bad.jsonl", good, bad)
        result = runner.invoke(app, ["conversation", "eval", str(file), "--model", "none"])
        assert result.exit_code == 2, result.output
        assert "line 2" in result.output and reason in result.output
        assert "Traceback" not in result.output
