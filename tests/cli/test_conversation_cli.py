from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safeguarding.cli.main import app
from safeguarding.conversation.pool import forkable

runner = CliRunner()
DEV_SET = Path(__file__).parents[2] / "data" / "conversations" / "dev.jsonl"


def _write(path: Path, *lines: object) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    return path


def test_score_outputs_the_documented_fields(tmp_path: Path) -> None:
    file = _write(
        tmp_path / "in.jsonl",
        {
            "id": "s1",
            "messages": [
                {"sender": "x", "ts": "1", "text": "hey"},
                {"sender": "x", "ts": "2", "text": "i'll send your pics to all your friends"},
                {"sender": "x", "ts": "3", "text": "unless you pay $100"},
            ],
            "participants": {"k": {"age": 15}},
        },
        {"id": "ok", "messages": [{"sender": "a", "ts": "1", "text": "see you at practice"}]},
    )
    result = runner.invoke(app, ["conversation", "score", str(file), "--json", "--model", "none"])
    assert result.exit_code == 1, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["id"] for r in rows] == ["s1", "ok"]
    first = rows[0]
    for key in (
        "id",
        "alert",
        "category",
        "first_alert_index",
        "grooming_score",
        "sextortion_score",
        "tier",
        "evidence",
    ):
        assert key in first
    assert first["alert"] and first["category"] == "sextortion"
    # On time: at the threat or the message after it (from lexical version 4 the bare threat
    # alone stays under the alert and the demand after it raises it; the model card's gaps).
    assert first["first_alert_index"] in (1, 2) and first["tier"] == "urgent"
    assert rows[1]["alert"] is False and rows[1]["first_alert_index"] is None
    human = runner.invoke(app, ["conversation", "score", str(file), "--model", "none"])
    assert "sextortion alert" in human.output and "[threat]" in human.output


def test_workers_score_a_long_file_in_file_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--workers 2 gives the same lines, in the same order, as one process, bad lines
    included; small chunks make the dev set many of them."""
    import safeguarding.cli.conversation as cli

    lines = DEV_SET.read_text(encoding="utf-8").splitlines()[:60]
    file = _write(tmp_path / "long.jsonl", *lines[:30], "not json", *lines[30:])
    monkeypatch.setattr(cli, "CHUNK_MESSAGES", 40)
    log = tmp_path / "pids"
    score_chunk = cli._score_chunk

    def logged(analyzer: object, chunk: list[tuple[int, object]]) -> object:
        with log.open("a") as f:  # a worker's pid is only seen through a file
            f.write(f"{os.getpid()}\n")
        return score_chunk(analyzer, chunk)  # type: ignore[arg-type]

    monkeypatch.setattr(cli, "_score_chunk", logged)
    runs, pids = {}, {}
    for n in ("1", "2"):
        log.write_text("")
        runs[n] = runner.invoke(
            app, ["conversation", "score", str(file), "--json", "--model", "none", "--workers", n]
        )
        pids[n] = [int(x) for x in log.read_text().split()]
    assert runs["1"].exit_code == runs["2"].exit_code == 2
    assert runs["1"].output == runs["2"].output
    rows = [json.loads(line) for line in runs["2"].output.splitlines()]
    assert len(rows) == 61 and rows[30]["line"] == 31 and "not JSON" in rows[30]["error"]
    assert [r["id"] for r in rows if "error" not in r] == [json.loads(x)["id"] for x in lines]
    assert len(pids["1"]) == len(pids["2"]) > 5 and set(pids["1"]) == {os.getpid()}
    if forkable():
        assert os.getpid() not in pids["2"]


@pytest.mark.skipif(not forkable(), reason="workers need fork")
def test_a_worker_that_dies_is_a_clear_error_after_the_lines_scored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker killed mid-file (for memory, most often): the lines before its chunk are
    written, then one clear error and exit 2, no traceback."""
    import safeguarding.cli.conversation as cli

    lines = DEV_SET.read_text(encoding="utf-8").splitlines()[:60]
    file = _write(tmp_path / "long.jsonl", *lines)
    monkeypatch.setattr(cli, "CHUNK_MESSAGES", 40)
    score_chunk = cli._score_chunk

    def dies_late(analyzer: object, chunk: list[tuple[int, object]]) -> object:
        if chunk[0][0] > 40:
            os._exit(9)
        return score_chunk(analyzer, chunk)  # type: ignore[arg-type]

    monkeypatch.setattr(cli, "_score_chunk", dies_late)
    result = runner.invoke(
        app, ["conversation", "score", str(file), "--json", "--model", "none", "--workers", "2"]
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "--workers 1" in result.output
    written = [json.loads(x) for x in result.output.splitlines() if x.startswith("{")]
    assert 0 < len(written) < 60
    assert [r["id"] for r in written] == [json.loads(x)["id"] for x in lines[: len(written)]]
    assert f"{len(written)} lines were scored and written above" in result.output


def test_bad_lines_are_named_and_the_rest_scored(tmp_path: Path) -> None:
    file = _write(
        tmp_path / "bad.jsonl",
        "not json",
        {"id": "x", "messages": "nope"},
        {"id": "big", "messages": [{"sender": "a", "text": "x" * 200_000}]},
        {"id": "fine", "messages": [{"sender": "a", "text": "hi"}]},
    )
    result = runner.invoke(app, ["conversation", "score", str(file), "--json", "--model", "none"])
    assert result.exit_code == 2
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r.get("line") for r in rows[:3]] == [1, 2, 3]
    assert "exceeds the limit" in rows[2]["error"]
    assert rows[3]["id"] == "fine" and rows[3]["alert"] is False


def test_eval_reports_each_category() -> None:
    result = runner.invoke(
        app, ["conversation", "eval", str(DEV_SET), "--json", "--model", "none", "--workers", "2"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    # one process gives the same figures as two
    alone = runner.invoke(
        app, ["conversation", "eval", str(DEV_SET), "--json", "--model", "none", "--workers", "1"]
    )
    assert json.loads(alone.stdout) == report
    assert report["model"] == "lexical (no embedding)" and report["ages"] == "withheld"
    pooled = report["all"]
    assert report["sources"]["dev"] == pooled
    assert pooled["grooming"]["roc_auc"] > 0.9
    # The generated dev set is a regression check, not an estimate: the lexical bundle
    # trained on 51 independent sources (version 7) alerts 56 of its 100 sextortion chats
    # in time (version 6: 66, version 5: 78) while gaining over the held-out sources, pooled
    # (docs/conversation.md, "Version 11"); the bound catches a broken pipeline, not a
    # model's quality.
    assert pooled["sextortion"]["alerted_within_1_message_ratio"] >= 0.5
    assert pooled["benign_alerts_per_1000"] <= 25


def test_eval_names_a_bad_line_and_exits_2(tmp_path: Path) -> None:
    good = {"id": "a", "label": "benign", "messages": [{"sender": "a", "text": "hi"}]}
    for bad, reason in [
        ("not json", "line 2"),
        ({"id": "b", "label": "spam", "messages": []}, "'label'"),
        ({"id": "c", "label": "benign", "messages": "x"}, "'messages'"),
        (
            {"id": "d", "label": "grooming", "first_harm_index": "3", "messages": []},
            "first_harm_index",
        ),
    ]:
        file = _write(tmp_path / "bad.jsonl", good, bad)
        result = runner.invoke(app, ["conversation", "eval", str(file), "--model", "none"])
        assert result.exit_code == 2, result.output
        assert "line 2" in result.output and reason in result.output
        assert "Traceback" not in result.output


def test_eval_reports_per_source_and_ends_with_the_headline(tmp_path: Path) -> None:
    rows = [json.loads(line) for line in DEV_SET.read_text().splitlines()]
    first = _write(tmp_path / "one.jsonl", *rows[:20], *rows[-20:])
    second = _write(tmp_path / "two.jsonl", *rows[200:230], *rows[-40:-20])
    result = runner.invoke(
        app, ["conversation", "eval", str(first), str(second), "--model", "none"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert any(line.startswith("one ") for line in lines)
    assert any(line.startswith("two ") for line in lines)
    assert lines[-6].startswith("grooming alert recall")
    assert lines[-3].startswith("benign alerted")
    assert lines[-1].endswith("ages withheld")
    as_json = json.loads(
        runner.invoke(
            app, ["conversation", "eval", str(first), str(second), "--model", "none", "--json"]
        ).stdout
    )
    assert as_json["all"]["conversations"] == 90
    assert as_json["sources"]["one"]["benign"] == 20


def test_eval_plots_pngs(tmp_path: Path) -> None:
    rows = [json.loads(line) for line in DEV_SET.read_text().splitlines()]
    file = _write(tmp_path / "s.jsonl", *rows[:10], *rows[200:210], *rows[-10:])
    result = runner.invoke(
        app,
        ["conversation", "eval", str(file), "--model", "none", "--plot", str(tmp_path / "plots")],
    )
    assert result.exit_code == 0, result.output
    for name in ("pr_grooming.png", "pr_sextortion.png", "alert_timing.png"):
        assert (tmp_path / "plots" / name).read_bytes().startswith(b"\x89PNG")


def test_eval_plot_without_matplotlib_says_which_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [json.loads(line) for line in DEV_SET.read_text().splitlines()]
    file = _write(tmp_path / "s.jsonl", *rows[:3], *rows[-3:])
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails as if not installed
    result = runner.invoke(
        app,
        ["conversation", "eval", str(file), "--model", "none", "--plot", str(tmp_path / "plots")],
    )
    assert result.exit_code == 2
    assert "plot" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("missing.jsonl", None, "cannot read"),
        ("folder", "dir", "cannot read"),
        ("latin1.jsonl", b"\xff\xfe not utf-8\n", "is not UTF-8 text"),
    ],
)
def test_a_file_that_cannot_be_read_is_a_clear_error(
    tmp_path: Path, name: str, content: bytes | str | None, said: str
) -> None:
    path = tmp_path / name
    if content == "dir":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    result = runner.invoke(app, ["conversation", "score", str(path), "--model", "none"])
    assert result.exit_code == 2 and said in result.stderr
    assert "Traceback" not in result.output  # a message, no traceback
    assert isinstance(result.exception, SystemExit)
