"""The newcomer's first hour (issue 14, point 6), item by item where no other test holds it:
JSON on stdout even in a terminal, a missing database never made up, long commands showing
progress, a file that is not JSON Lines named as such, and `make run` resetting the demo."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safeguarding.cli.main import app
from safeguarding.demo import generated_image

runner = CliRunner()
ROOT = Path(__file__).parents[2]
DEV_SET = ROOT / "data" / "conversations" / "dev.jsonl"


def _images(folder: Path, count: int) -> list[str]:
    paths = []
    for seed in range(count):
        path = folder / f"{seed}.jpg"
        path.write_bytes(generated_image(seed))
        paths.append(str(path))
    return paths


def _in_terminals(*args: str, stdout_too: bool = True) -> tuple[str, str, int]:
    """Run the CLI with stderr a terminal, and stdout one of its own too or a pipe, as in a
    person's shell (CliRunner's streams are not terminals: where this went wrong)."""
    (err_master, err_slave) = pty.openpty()
    out_master, out_slave = pty.openpty() if stdout_too else os.pipe()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
    process = subprocess.Popen(
        [sys.executable, "-m", "safeguarding.cli", *args],
        stdin=subprocess.DEVNULL,
        stdout=out_slave,
        stderr=err_slave,
        env=env,
    )
    os.close(out_slave)
    os.close(err_slave)
    read = {out_master: b"", err_master: b""}
    open_ = set(read)
    while open_:
        ready, _, _ = select.select(list(open_), [], [], 60)
        assert ready, "the command wrote nothing for a minute"
        for fd in ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the command closed its terminal
                chunk = b""
            if chunk:
                read[fd] += chunk
            else:
                open_.discard(fd)
                os.close(fd)
    code = process.wait(timeout=60)
    return (
        read[out_master].decode().replace("\r\n", "\n"),
        read[err_master].decode().replace("\r\n", "\n"),
        code,
    )


@pytest.mark.parametrize("stdout_too", [True, False], ids=["both terminals", "stdout piped"])
def test_json_goes_to_stdout_in_a_terminal_and_progress_to_stderr(
    sqlite_url: str, tmp_path: Path, stdout_too: bool
) -> None:
    files = _images(tmp_path, 3)
    for command in (["hash", "--json"], ["--db", sqlite_url, "match", "--json"]):
        out, err, code = _in_terminals(*command, *files, stdout_too=stdout_too)
        assert code == 0, err
        lines = [json.loads(line) for line in out.splitlines()]  # nothing else on stdout
        assert [line["path"] for line in lines] == files
        assert '"path"' not in err  # and none of it on stderr (Rich once moved it there)
        # the bar, on stderr, when stdout is not a terminal itself (there, the results
        # scrolling by are the progress)
        assert ("hashing" in err) is not stdout_too, err


@pytest.mark.parametrize(
    "command",
    [
        ["bank", "list"],
        ["match", "IMAGE"],
        ["match", "--json", "IMAGE"],
        ["keys", "list"],
        ["users", "list"],
        ["audit", "verify"],
    ],
)
def test_a_missing_or_mistyped_database_is_an_error_and_nothing_is_created(
    tmp_path: Path, command: list[str]
) -> None:
    image = _images(tmp_path, 1)[0]
    args = [image if a == "IMAGE" else a for a in command]
    for path in (tmp_path / "missing.db", tmp_path / "no-such-folder" / "x.db"):
        result = runner.invoke(app, ["--db", f"sqlite:///{path}", *args])
        assert result.exit_code == 2, result.output
        assert f"no database at {path}" in result.stderr and "db upgrade" in result.stderr
        assert result.stdout == ""  # never "no match" from a database made up on the spot
        assert not path.exists() and path.parent.exists() == (path.parent == tmp_path)


def test_eval_shows_its_progress_on_stderr(tmp_path: Path) -> None:
    rows = [json.loads(line) for line in DEV_SET.read_text().splitlines()]
    file = tmp_path / "s.jsonl"
    file.write_text("".join(json.dumps(r) + "\n" for r in [*rows[:5], *rows[-5:]]))
    result = runner.invoke(app, ["conversation", "eval", str(file), "--model", "none", "--json"])
    assert result.exit_code == 0, result.output
    assert "scored 10/10 conversations" in result.stderr
    assert json.loads(result.stdout)["all"]["conversations"] == 10  # stdout: the report only


def test_a_file_that_is_not_json_lines_is_named_as_such(tmp_path: Path) -> None:
    csv = tmp_path / "chats.csv"
    csv.write_text("sender,text\nu1,hello\n")
    result = runner.invoke(app, ["conversation", "score", str(csv), "--model", "none"])
    assert result.exit_code == 2
    assert "line 1: not JSON" in result.output and "JSON Lines" in result.output
    assert "Traceback" not in result.output


def test_make_run_can_reset_the_demo(tmp_path: Path) -> None:
    """`make run` twice mints nothing new (tests/test_demo.py); RESET_DEMO=1 asks for a new
    password and key. make -n prints the commands without running them."""

    def commands(*extra: str) -> str:
        done = subprocess.run(
            ["make", "-n", "run", *extra],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return next(
            line
            for line in done.stdout.splitlines()
            if "serve --demo" in line and not line.startswith("echo")
        )

    assert "--reset-demo" not in commands()
    assert commands("RESET_DEMO=1").endswith("serve --demo --reset-demo")
