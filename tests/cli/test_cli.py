from __future__ import annotations

import io
import json
import socket
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pdqhash
import pytest
from PIL import Image, ImageOps
from typer.testing import CliRunner

from safeguarding.cli.main import app
from safeguarding.config import Settings
from safeguarding.demo import generated_image
from safeguarding.engine import Engine
from tests.conftest import PDQ_DATA, require_shared

runner = CliRunner()


def run(db: str, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", db, *args], input=input)
    return result.exit_code, result.stdout, result.stderr


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_hash_json_gives_pdqhash_hashes(sqlite_url: str) -> None:
    require_shared()
    files = sorted((PDQ_DATA / "bridge-mods").glob("*.jpg"))
    code, out, _ = run(sqlite_url, "hash", "--json", "--full-resolution", *map(str, files))
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    for path, line in zip(files, lines, strict=True):
        with Image.open(path) as image:
            vector, quality = pdqhash.compute(np.asarray(image.convert("RGB")))
        expected = bytes(np.packbits(vector.astype(np.uint8))).hex()
        pdq = next(s for s in line["signals"] if s["type"] == "pdq")
        assert (line["path"], pdq["value"], pdq["quality"]) == (str(path), expected, quality)


def test_hash_errors_exit_2(sqlite_url: str, tmp_path: Path) -> None:
    bad = write(tmp_path / "zero.jpg", b"")
    good = write(tmp_path / "good.jpg", generated_image(1))
    code, out, err = run(sqlite_url, "hash", "--json", str(bad), str(good))
    assert code == 2
    assert "empty file" in err
    assert len(out.splitlines()) == 2


def test_bank_lifecycle_and_match_exit_codes(sqlite_url: str, tmp_path: Path) -> None:
    originals = tmp_path / "originals"
    originals.mkdir()
    for seed in range(6):
        write(originals / f"{seed}.jpg", generated_image(seed))
    assert run(sqlite_url, "bank", "create", "mine", "--action", "block")[0] == 0
    code, out, _ = run(sqlite_url, "bank", "add", "mine", str(originals), "--label", "test")
    assert code == 0 and "added 30 signals from 6 files" in out
    code, out, _ = run(sqlite_url, "bank", "list", "--json")
    assert json.loads(out)["entry_count"] == 30
    assert "mine" in run(sqlite_url, "bank", "show", "mine")[1]

    queries = tmp_path / "queries"
    queries.mkdir()
    with Image.open(originals / "2.jpg") as image:
        ImageOps.mirror(image).save(queries / "mirrored.jpg", quality=40)
    write(queries / "unrelated.jpg", generated_image(99))
    code, out, _ = run(sqlite_url, "match", "--json", "--workers", "1", str(queries))
    assert code == 1
    results = {Path(r["path"]).name: r for r in map(json.loads, out.splitlines())}
    assert results["mirrored.jpg"]["matches"][0]["bank"] == "mine"
    assert results["mirrored.jpg"]["matches"][0]["action"] == "block"
    assert results["unrelated.jpg"]["matches"] == []
    assert run(sqlite_url, "match", str(queries / "unrelated.jpg"))[0] == 0
    assert run(sqlite_url, "match", str(tmp_path / "missing.jpg"))[0] == 2

    assert run(sqlite_url, "bank", "disable", "mine")[0] == 0
    assert run(sqlite_url, "match", str(queries / "mirrored.jpg"))[0] == 0
    assert run(sqlite_url, "bank", "enable", "mine")[0] == 0
    assert run(sqlite_url, "match", str(queries / "mirrored.jpg"))[0] == 1


def test_match_uses_several_processes(sqlite_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "images"
    folder.mkdir()
    for seed in range(8):
        write(folder / f"{seed}.jpg", generated_image(seed))
    run(sqlite_url, "bank", "create", "b")
    run(sqlite_url, "bank", "add", "b", str(folder / "3.jpg"))
    code, out, _ = run(sqlite_url, "match", "--json", "--workers", "2", str(folder))
    assert code == 1
    matched = [Path(r["path"]).name for r in map(json.loads, out.splitlines()) if r["matches"]]
    assert matched == ["3.jpg"]


def test_import_export_round_trip(sqlite_url: str, tmp_path: Path) -> None:
    source = write(tmp_path / "list.txt", b"pdq " + b"ab" * 32 + b"\nmd5 " + b"0" * 32 + b"\n")
    run(sqlite_url, "bank", "create", "b")
    code, out, _ = run(sqlite_url, "bank", "import", "b", str(source))
    assert code == 0 and "2 new" in out
    assert "0 new, 2 already present" in run(sqlite_url, "bank", "import", "b", str(source))[1]
    target = tmp_path / "out.csv"
    assert run(sqlite_url, "bank", "export", "b", "--format", "csv", "-o", str(target))[0] == 0
    assert target.read_text().splitlines()[0].startswith("signal_type,value")
    assert run(sqlite_url, "bank", "export", "b")[1] == source.read_text()
    bad = write(tmp_path / "bad.txt", b"pdq " + b"ab" * 32 + b"\npdq nope\n")
    code, _, err = run(sqlite_url, "bank", "import", "b", str(bad))
    assert code == 2 and "line 2" in err
    code, _, err = run(sqlite_url, "bank", "import", "b", str(tmp_path / "absent.txt"))
    assert code == 2 and "no such file" in err
    code, out, _ = run(sqlite_url, "bank", "import", "b", "-", input="md5 " + "1" * 32 + "\n")
    assert code == 0 and "1 new" in out


def test_bank_errors(sqlite_url: str) -> None:
    code, _, err = run(sqlite_url, "bank", "show", "ghost")
    assert code == 2 and "not found" in err
    run(sqlite_url, "bank", "create", "b")
    code, _, err = run(sqlite_url, "bank", "create", "b")
    assert code == 2 and "already exists" in err
    code, out, _ = run(sqlite_url, "bank", "remove", "b", "12345")
    assert code == 0 and "removed 0" in out


def test_bank_add_refuses_partial_input(sqlite_url: str, tmp_path: Path) -> None:
    run(sqlite_url, "bank", "create", "b")
    good = write(tmp_path / "good.jpg", generated_image(1))
    bad = write(tmp_path / "bad.jpg", b"not an image")
    code, _, err = run(sqlite_url, "bank", "add", "b", str(good), str(bad))
    assert code == 2 and "nothing was added" in err
    assert json.loads(run(sqlite_url, "bank", "list", "--json")[1])["entry_count"] == 0
    code, out, err = run(sqlite_url, "bank", "add", "b", str(good), str(bad), "--skip-unreadable")
    assert code == 0 and "1 file(s) could not be hashed and were skipped" in err
    assert "from 2 files" in out
    assert json.loads(run(sqlite_url, "bank", "list", "--json")[1])["entry_count"] > 0


def test_match_keeps_matched_apart_from_unreadable(sqlite_url: str, tmp_path: Path) -> None:
    known = write(tmp_path / "known.jpg", generated_image(1))
    bad = write(tmp_path / "bad.jpg", b"not an image")
    other = write(tmp_path / "other.jpg", generated_image(50))
    run(sqlite_url, "bank", "create", "b")
    assert run(sqlite_url, "bank", "add", "b", str(known))[0] == 0
    for files, plain, skipping in (
        ([known, bad], 3, 1),
        ([other, bad], 2, 0),
        ([known], 1, 1),
        ([other], 0, 0),
    ):
        names = [str(f) for f in files]
        assert run(sqlite_url, "match", *names)[0] == plain, names
        assert run(sqlite_url, "match", "--skip-unreadable", *names)[0] == skipping, names
    code, out, err = run(sqlite_url, "match", "--json", str(known), str(bad))
    rows = [json.loads(line) for line in out.splitlines()]  # stdout is JSON only
    assert code == 3 and {bool(r.get("error")) for r in rows} == {True, False}
    assert "bad.jpg" in err


def test_keys(sqlite_url: str) -> None:
    code, out, _ = run(sqlite_url, "keys", "create", "ci", "--scope", "match", "--json")
    created = json.loads(out)
    assert code == 0 and created["token"].startswith("sg_")
    listed = json.loads(run(sqlite_url, "keys", "list", "--json")[1])
    assert listed["key_id"] == created["key_id"] and "token" not in listed
    assert run(sqlite_url, "keys", "revoke", created["key_id"])[0] == 0
    assert run(sqlite_url, "keys", "revoke", created["key_id"])[0] == 2
    code, _, err = run(sqlite_url, "keys", "create", "x", "--scope", "root")
    assert code == 2 and "scopes" in err


def test_db_upgrade_and_bad_urls(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    code, out, _ = run(url, "db", "upgrade")
    assert code == 0 and "created the database" in out
    code, _, err = run("postgresql+psycopg://nobody:wrong@127.0.0.1:1/none", "bank", "list")
    assert code == 2 and "cannot open the database" in err and "wrong" not in err


def test_serve_refuses_demo_in_production(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFEGUARDING_ENVIRONMENT", "production")
    code, _, err = run(sqlite_url, "serve", "--demo")
    assert code == 2 and "refused" in err


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and "safeguarding" in result.stdout


def test_corrupt_image_via_stdin_free_path(sqlite_url: str, tmp_path: Path) -> None:
    image = io.BytesIO()
    Image.new("RGB", (10, 10)).save(image, "PNG")
    path = write(tmp_path / "tiny.png", image.getvalue())
    code, out, _ = run(sqlite_url, "hash", "--json", str(path))
    assert code == 0 and json.loads(out)["width"] == 10


def test_index_snapshot(sqlite_url: str, tmp_path: Path) -> None:
    run(sqlite_url, "bank", "create", "b")
    run(sqlite_url, "bank", "import", "b", "-", input="pdq " + "ab" * 32 + "\n")
    code, out, _ = run(sqlite_url, "index", "snapshot", "--dir", str(tmp_path / "snap"))
    assert code == 0 and "pdq 1" in out
    assert (tmp_path / "snap" / "pdq.idx").is_file()
    code, _, err = run(sqlite_url, "index", "snapshot")
    assert code == 2 and "--dir" in err


def test_serve_on_a_busy_port_says_how_to_pick_another(sqlite_url: str) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _, err = run(sqlite_url, "serve", "--host", "127.0.0.1", "--port", str(port))
    assert code == 2 and f"cannot listen on 127.0.0.1:{port}" in err
    assert f"--port {port + 1}" in err


def test_match_counts_what_it_scanned_by_surface(sqlite_url: str, tmp_path: Path) -> None:
    files = [str(write(tmp_path / f"{i}.jpg", generated_image(i))) for i in (1, 2)]
    assert run(sqlite_url, "match", "--surface", "message", "--workers", "1", *files)[0] == 0
    assert run(sqlite_url, "match", "--content-id", "post-1", files[0])[0] == 0
    code, _, err = run(sqlite_url, "match", "--content-id", "p", "--surface", "a\tb", files[0])
    assert code == 2 and "surface" in err
    engine = Engine(Settings(database_url=sqlite_url))
    try:
        with engine.db.read() as session:
            rows = {
                (surface, outcome): total
                for bank, kind, surface, outcome, total in engine.counters.totals(
                    session, datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
                )
                if bank == kind == "*"
            }
    finally:
        engine.close()
    assert rows == {("message", "no_match"): 2, ("unspecified", "no_match"): 1}
