from __future__ import annotations

import contextlib
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safeguarding.banks.formats import BankFormat, export, parse
from safeguarding.banks.model import BankEntry
from safeguarding.errors import ImportFormatError
from safeguarding.store.models import utcnow

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def entries(fmt: str, text: str) -> list[tuple[str, str]]:
    return [(e.signal_type, e.value) for e in parse(fmt, io.BytesIO(text.encode()))]


def test_hma_text() -> None:
    text = f"# a comment\n\npdq {PDQ.upper()}\nmd5 {MD5}\n"
    assert entries("hma", text) == [("pdq", PDQ), ("md5", MD5)]


def test_csv_with_provenance() -> None:
    text = (
        "signal_type,value,quality,labels,source_ref,metadata\n"
        f'pdq,{PDQ},90,a;b,case-1,"{{""k"": 1}}"\n'
    )
    [entry] = list(parse("csv", io.BytesIO(text.encode())))
    assert (entry.quality, entry.labels, entry.source_ref, entry.metadata) == (
        90,
        ["a", "b"],
        "case-1",
        {"k": 1},
    )


def test_jsonl() -> None:
    line = json.dumps({"signal_type": "pdq", "value": PDQ, "labels": ["x"]})
    assert entries("jsonl", line + "\n\n") == [("pdq", PDQ)]


@pytest.mark.parametrize(
    ("fmt", "text", "line", "message"),
    [
        ("hma", f"pdq {PDQ}\npdq nothex\n", 2, "invalid pdq"),
        ("hma", f"pdq {PDQ}\nphotodna {PDQ}\n", 2, "unknown signal type"),
        ("hma", f"pdq {PDQ} extra\n", 1, "expected '<signal_type> <value>'"),
        ("csv", "value,signal_type\n" + f"{PDQ}\n", 2, "expected 2 columns"),
        ("csv", "colour\nred\n", 1, "header must name"),
        ("csv", f"signal_type,value,quality\npdq,{PDQ},high\n", 2, "not a number"),
        ("jsonl", '{"signal_type": "pdq"\n', 1, "invalid JSON"),
        ("jsonl", f'{{"signal_type": "pdq", "value": "{PDQ}", "x": 1}}\n', 1, "unknown keys"),
        ("jsonl", "[1, 2]\n", 1, "JSON object"),
        ("jsonl", f'{{"signal_type": "pdq", "value": "{PDQ}", "metadata": 3}}\n', 1, "metadata"),
    ],
)
def test_errors_name_the_line(fmt: str, text: str, line: int, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message) as caught:
        list(parse(fmt, io.BytesIO(text.encode())))
    assert caught.value.line == line


def test_binary_file_is_refused() -> None:
    with pytest.raises(ImportFormatError, match=r"UTF-8|NUL") as caught:
        list(parse("hma", io.BytesIO(b"pdq " + PDQ.encode() + b"\n\xff\xfe\x00garbage\n")))
    assert caught.value.line == 2


@pytest.mark.parametrize("fmt", list(BankFormat))
def test_export_imports_back_unchanged(fmt: BankFormat) -> None:
    now = utcnow()
    originals = [
        BankEntry(1, 1, "b", "pdq", PDQ, 95, ["x", "y"], {"k": "v"}, "ref-1", "t", now),
        BankEntry(2, 1, "b", "md5", MD5, None, [], {}, None, "t", now),
        BankEntry(
            3, 1, "b", "vpdq", f"0,100,{PDQ},0.000\n30,90,{PDQ},1.000", None, [], {}, None, "t", now
        ),
    ]
    text = "".join(export(fmt, originals))
    again = list(parse(fmt, io.BytesIO(text.encode())))
    assert [(e.signal_type, e.value) for e in again] == [
        (o.signal_type, o.value) for o in originals
    ]
    if fmt is not BankFormat.HMA:
        assert again[0].labels == ["x", "y"]
        assert again[0].source_ref == "ref-1"
        assert again[0].quality == 95


@pytest.mark.parametrize("fmt", list(BankFormat))
@settings(max_examples=150)
@given(data=st.binary(max_size=400))
def test_garbage_never_crashes(fmt: BankFormat, data: bytes) -> None:
    with contextlib.suppress(ImportFormatError):
        list(parse(fmt, io.BytesIO(data)))
