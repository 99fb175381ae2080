"""Bank import and export formats.

- `hma`: HMA's plain text, one `<signal_type> <value>` per line (`pdq <hex>`); `#` comments
  and blank lines are skipped. A vPDQ value is written with its frames separated by `;`.
- `csv`: a header naming `signal_type,value` and optionally `quality,labels,source_ref,metadata`
  (labels separated by `;`, metadata a JSON object).
- `jsonl`: one JSON object per line with the same keys (labels a list, metadata an object).

Parsers stream: they yield entries one at a time and raise ImportFormatError naming the
line of the first bad record, so a caller inside a transaction rejects the whole file.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterable, Iterator
from enum import StrEnum
from typing import IO, Any

from safeguarding.banks.model import (
    BankEntry,
    NewEntry,
    check_labels,
    check_source_ref,
)
from safeguarding.errors import ImportFormatError, InvalidBankError, SignalError
from safeguarding.hashing.registry import validate_signal

MAX_LINE_BYTES = 8 * 1024 * 1024
_CSV_COLUMNS = ("signal_type", "value", "quality", "labels", "source_ref", "metadata")


class BankFormat(StrEnum):
    HMA = "hma"
    CSV = "csv"
    JSONL = "jsonl"


def _lines(stream: IO[bytes]) -> Iterator[tuple[int, str]]:
    decoder = codecs.getincrementaldecoder("utf-8")()
    for number, raw in enumerate(stream, start=1):
        if len(raw) > MAX_LINE_BYTES:
            raise ImportFormatError(f"line longer than {MAX_LINE_BYTES} bytes", line=number)
        try:
            text = decoder.decode(raw)
        except UnicodeDecodeError:
            raise ImportFormatError("not valid UTF-8", line=number) from None
        if "\x00" in text:
            raise ImportFormatError("contains a NUL byte (binary file?)", line=number)
        yield number, text.lstrip("\ufeff") if number == 1 else text


def _entry(line: int, fields: dict[str, Any]) -> NewEntry:
    signal_type, value = fields.get("signal_type"), fields.get("value")
    if not isinstance(signal_type, str) or not isinstance(value, str):
        raise ImportFormatError("needs string fields 'signal_type' and 'value'", line=line)
    quality = fields.get("quality")
    if quality in ("", None):
        quality = None
    else:
        try:
            quality = int(quality)
        except (TypeError, ValueError):
            raise ImportFormatError(f"quality {quality!r} is not a number", line=line) from None
        if not 0 <= quality <= 100:
            raise ImportFormatError(f"quality {quality} is not between 0 and 100", line=line)
    metadata = fields.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise ImportFormatError("metadata must be a JSON object", line=line)
    try:
        source_ref = check_source_ref(fields.get("source_ref") or None)
        kind, canonical = validate_signal(signal_type, value)
        labels = check_labels(fields.get("labels"))
    except (SignalError, InvalidBankError) as exc:
        raise ImportFormatError(str(exc), line=line) from None
    return NewEntry(kind, canonical, quality, labels, metadata, source_ref)


def parse_hma(stream: IO[bytes]) -> Iterator[NewEntry]:
    for number, text in _lines(stream):
        line = text.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2:
            raise ImportFormatError(
                f"expected '<signal_type> <value>', got {line[:80]!r}", line=number
            )
        yield _entry(number, {"signal_type": parts[0], "value": parts[1]})


def parse_jsonl(stream: IO[bytes]) -> Iterator[NewEntry]:
    for number, text in _lines(stream):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportFormatError(f"invalid JSON: {exc.msg}", line=number) from None
        if not isinstance(record, dict):
            raise ImportFormatError("each line must be a JSON object", line=number)
        unknown = set(record) - set(_CSV_COLUMNS)
        if unknown:
            raise ImportFormatError(f"unknown keys {sorted(unknown)}", line=number)
        yield _entry(number, record)


def parse_csv(stream: IO[bytes]) -> Iterator[NewEntry]:
    rows = csv.reader(text for _, text in _lines(stream))
    try:
        header = [column.strip().lower() for column in next(rows)]
    except StopIteration:
        return
    except csv.Error as exc:
        raise ImportFormatError(f"invalid CSV: {exc}", line=1) from None
    unknown = set(header) - set(_CSV_COLUMNS)
    if unknown or "signal_type" not in header or "value" not in header:
        raise ImportFormatError(
            f"header must name signal_type and value, and only {list(_CSV_COLUMNS)}", line=1
        )
    try:
        for row in rows:
            number = rows.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise ImportFormatError(
                    f"expected {len(header)} columns, got {len(row)}", line=number
                )
            fields: dict[str, Any] = dict(zip(header, row, strict=True))
            fields["labels"] = [x for x in fields.get("labels", "").split(";") if x.strip()]
            if fields.get("metadata"):
                try:
                    fields["metadata"] = json.loads(fields["metadata"])
                except json.JSONDecodeError:
                    raise ImportFormatError("metadata is not valid JSON", line=number) from None
            yield _entry(number, fields)
    except csv.Error as exc:
        raise ImportFormatError(f"invalid CSV: {exc}", line=rows.line_num) from None


PARSERS = {BankFormat.HMA: parse_hma, BankFormat.CSV: parse_csv, BankFormat.JSONL: parse_jsonl}


def parse(fmt: BankFormat | str, stream: IO[bytes]) -> Iterator[NewEntry]:
    return PARSERS[BankFormat(fmt)](stream)


def export(fmt: BankFormat | str, entries: Iterable[BankEntry]) -> Iterator[str]:
    """Render entries; the output of each format imports back unchanged."""
    fmt = BankFormat(fmt)
    if fmt is BankFormat.HMA:
        for e in entries:
            yield f"{e.signal_type} {e.value.replace(chr(10), ';')}\n"
    elif fmt is BankFormat.JSONL:
        for e in entries:
            record = {
                "signal_type": e.signal_type,
                "value": e.value,
                "quality": e.quality,
                "labels": e.labels,
                "source_ref": e.source_ref,
                "metadata": e.metadata,
            }
            yield json.dumps(record, separators=(",", ":")) + "\n"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(_CSV_COLUMNS)
        for e in entries:
            writer.writerow(
                [
                    e.signal_type,
                    e.value,
                    "" if e.quality is None else e.quality,
                    ";".join(e.labels),
                    e.source_ref or "",
                    json.dumps(e.metadata) if e.metadata else "",
                ]
            )
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        if buffer.getvalue():
            yield buffer.getvalue()
