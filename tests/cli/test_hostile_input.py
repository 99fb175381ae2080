"""The CLI against awkward input: special files, names with markup, files that break the
hasher, unknown banks. It answers with an error and exit status 2, never hangs, never stops
a folder scan, and never exits 1, which `match` means as "matched"."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

import safeguarding.cli.files
from safeguarding.cli.main import main
from safeguarding.demo import generated_image
from tests.cli.test_cli import run, write


def test_devices_and_fifos_are_refused_not_read(tmp_path: Path, sqlite_url: str) -> None:
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    good = write(tmp_path / "good.jpg", generated_image(1))

    def small_address_space() -> None:  # so a regression fails rather than eats memory
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "safeguarding.cli",
            "--db",
            sqlite_url,
            "hash",
            "/dev/zero",
            str(fifo),
            str(good),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=small_address_space,
    )
    assert done.returncode == 2
    assert "/dev/zero: not a regular file (a character device)" in done.stderr
    assert f"{fifo}: not a regular file (a FIFO)" in done.stderr
    assert str(good) in done.stdout


def test_names_with_markup_print_as_they_are(tmp_path: Path, sqlite_url: str) -> None:
    folder = tmp_path / "uploads"
    folder.mkdir()
    write(folder / "a.jpg", generated_image(1))
    (folder / "b[").mkdir()
    write(folder / "b[" / "x].jpg", b"not a picture")  # the path reads b[/x].jpg
    write(folder / "c[bold].jpg", generated_image(2))
    code, out, err = run(sqlite_url, "hash", str(folder))
    assert code == 2
    assert f"{folder}/b[/x].jpg: not a recognised image" in err
    assert _line(out, "c[bold].jpg", "pdq") and _line(out, "a.jpg", "pdq")
    assert run(sqlite_url, "bank", "create", "mine")[0] == 0
    code, out, err = run(sqlite_url, "match", str(folder))
    assert code == 2  # an error, not "matched"
    assert _line(out, "c[bold].jpg", "no match")
    assert "b[/x].jpg" in err


def _line(out: str, name: str, then: str) -> bool:
    """A line naming the file, then `then` (Rich prints tabs as spaces)."""
    return any(
        line.split(maxsplit=1)[0].endswith("/" + name) and then in line
        for line in out.splitlines()
        if line.strip()
    )


def test_a_file_that_breaks_the_hasher_does_not_stop_the_scan(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safeguarding.hashing.hasher import hash_file as real

    def flaky(path: Path, *args: object, **kwargs: bool) -> object:
        if path.name == "b.jpg":
            raise RuntimeError("a bug somewhere in a decoder")
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(safeguarding.cli.files, "hash_file", flaky)
    folder = tmp_path / "uploads"
    folder.mkdir()
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        write(folder / name, generated_image(len(name) + ord(name[0])))
    code, out, err = run(sqlite_url, "hash", str(folder))
    assert code == 2
    assert "b.jpg: cannot hash (RuntimeError: a bug somewhere in a decoder)" in err
    assert _line(out, "a.jpg", "pdq") and _line(out, "c.jpg", "pdq")


def test_an_unexpected_failure_exits_2_not_1(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str, tmp_path: Path
) -> None:
    import safeguarding.cli.main as cli_main

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(cli_main, "hash_many", broken)
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "safeguarding",
            "--db",
            sqlite_url,
            "match",
            str(write(tmp_path / "a.jpg", generated_image(1))),
        ],
    )
    with pytest.raises(SystemExit) as caught:
        main()
    assert caught.value.code == 2


def test_export_of_an_unknown_bank_leaves_the_file_alone(tmp_path: Path, sqlite_url: str) -> None:
    target = write(tmp_path / "keep.txt", b"yesterday's export\n")
    code, _, err = run(sqlite_url, "bank", "export", "NOSUCH", "-o", str(target))
    assert code == 2
    assert "NOSUCH" in err and "not found" in err
    assert target.read_bytes() == b"yesterday's export\n"
    assert not list(tmp_path.glob(".*partial"))
