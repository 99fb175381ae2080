from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from safeguarding.errors import RecordsFormatError
from safeguarding.insights.records import Columns, RecordReader

HEADER = "id,force,year,text\n"


def _file(tmp_path: Path, body: str | bytes, name: str = "r.csv") -> Path:
    path = tmp_path / name
    if isinstance(body, str):
        path.write_text(body, encoding="utf-8")
    else:
        path.write_bytes(body)
    return path


def _error(path: Path, **kwargs: object) -> str:
    with pytest.raises(RecordsFormatError) as caught:
        list(RecordReader(path, **kwargs))  # type: ignore[arg-type]
    return str(caught.value)


def test_records_with_their_lines_even_after_a_multi_line_text(tmp_path: Path) -> None:
    path = _file(tmp_path, HEADER + '1,Gwent,2022/23,"two\nlines"\n\n2, Kent ,2023/24,on snap\n')
    records = list(RecordReader(path))
    assert [(r.line, r.force, r.year, r.text) for r in records] == [
        (2, "Gwent", "2022/23", "two\nlines"),
        (5, "Kent", "2023/24", "on snap"),
    ]


def test_columns_are_chosen_by_name_and_extras_found(tmp_path: Path) -> None:
    path = _file(tmp_path, "Force Name,FY,MO,truth\nDurham,2023/24,via kik,kik\n")
    reader = RecordReader(path, Columns("Force Name", "FY", "MO"), extra=("truth",))
    (record,) = list(reader)
    assert (record.force, record.year, record.text) == ("Durham", "2023/24", "via kik")
    assert record.row[reader.index("truth")] == "kik"


def test_a_missing_column_is_named_with_those_there_are(tmp_path: Path) -> None:
    message = _error(_file(tmp_path, "force,yr,text\n"))
    assert message.startswith(f"{tmp_path / 'r.csv'}:1: no column 'year'")
    assert "(columns: force, yr, text)" in message and "--year-column" in message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (HEADER + "1,Kent,2022/23,ok\n2,Kent,2022/23\n", ":3: 3 fields, but the header has 4"),
        (HEADER + "1,Kent,2022/23,ok,extra\n", ":2: 5 fields"),
        (HEADER + "1,,2022/23,text\n", ":2: empty 'force'"),
        (HEADER + "1,Kent, ,text\n", ":2: empty 'year'"),
        (HEADER + '1,Kent,2022/23,"unterminated\n', ":2: malformed row"),
        (HEADER + '1,Kent,2022/23,"a"b\n', ":2: malformed row"),
        ("", "empty file"),
    ],
)
def test_malformed_rows_name_their_line(tmp_path: Path, body: str, message: str) -> None:
    assert message in _error(_file(tmp_path, body))


def test_bytes_that_are_not_the_encoding_name_their_line(tmp_path: Path) -> None:
    path = _file(tmp_path, (HEADER + "1,Kent,2022/23,caf\xe9\n").encode("cp1252"))
    assert ":2: not utf-8-sig text (byte 19 of the line)" in _error(path)
    assert [r.text for r in RecordReader(path, encoding="cp1252")] == ["caf\xe9"]


def test_a_byte_order_mark_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    path = _file(tmp_path, ("\ufeff" + HEADER + "1,Kent,2022/23,x\n").encode("utf-8"))
    assert [r.force for r in RecordReader(path)] == ["Kent"]


def test_encodings_that_split_lines_wrongly_are_refused(tmp_path: Path) -> None:
    with pytest.raises(RecordsFormatError, match="'utf-16' is not ASCII-compatible"):
        RecordReader(tmp_path / "r.csv", encoding="utf-16")
    with pytest.raises(RecordsFormatError, match="unknown encoding 'klingon'"):
        RecordReader(tmp_path / "r.csv", encoding="klingon")
    assert "cannot read" in _error(tmp_path / "missing.csv")


def test_a_long_text_field_is_read_whole(tmp_path: Path) -> None:
    text = "word " * 60_000  # 300,000 characters: over csv's default field limit
    path = _file(tmp_path, HEADER + f'1,Kent,2022/23,"{text}"\n')
    assert [len(r.text) for r in RecordReader(path)] == [len(text)]


def test_records_stream_before_the_file_is_complete(tmp_path: Path) -> None:
    """A pipe that holds back the rest of the file until the first record has come out: a
    reader that loaded the file whole would see it end after the first record."""
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    first_seen = threading.Event()

    def write() -> None:
        with pipe.open("w", encoding="utf-8") as stream:
            stream.write(HEADER + "1,Kent,2022/23,on snap\n")
            stream.flush()
            if first_seen.wait(timeout=5):
                stream.write("2,Kent,2022/23,on kik\n")

    writer = threading.Thread(target=write)
    writer.start()
    records = iter(RecordReader(pipe))
    assert next(records).text == "on snap"
    first_seen.set()
    assert [r.text for r in records] == ["on kik"]
    writer.join(timeout=10)
