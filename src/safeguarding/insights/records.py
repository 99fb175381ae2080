"""Police records as forces return them to Freedom of Information requests: a CSV with a
header line and one row per recorded offence, with the force, the financial year and free
text (modus operandi, summary). Column names differ between forces, so they are chosen by
the caller.

The file is streamed row by row, never held whole; any row that cannot be read stops the
run with the file, the line and what is wrong, so no figure is computed from part of a file
without anyone knowing."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from safeguarding.errors import RecordsFormatError

DEFAULT_ENCODING = "utf-8-sig"  # utf-8, and the byte-order mark spreadsheets write
# The longest text field read; csv's own default (128 KiB) would stop at one long summary.
MAX_FIELD_CHARS = 1_000_000


@dataclass(frozen=True)
class Columns:
    force: str = "force"
    year: str = "year"
    text: str = "text"


@dataclass(frozen=True, slots=True)
class Record:
    line: int  # the line its row starts on, counting the header as line 1
    force: str
    year: str
    text: str
    row: list[str]  # every field, for the columns a caller asked for by name


class RecordReader:
    """Iterate the records of one file; `index(name)` finds a further column's position."""

    def __init__(
        self,
        path: Path,
        columns: Columns = Columns(),
        *,
        extra: tuple[str, ...] = (),
        encoding: str = DEFAULT_ENCODING,
    ) -> None:
        self.path = path
        self.columns = columns
        self.extra = extra
        try:
            codec = codecs.lookup(encoding)
        except LookupError:
            raise RecordsFormatError(f"unknown encoding {encoding!r}") from None
        try:
            ascii_compatible = codec.decode(b'\n,"az')[0] == '\n,"az'
        except UnicodeDecodeError:
            ascii_compatible = False
        if not ascii_compatible:
            raise RecordsFormatError(
                f"encoding {encoding!r} is not ASCII-compatible; convert the file to UTF-8 first"
            )
        self.encoding = encoding
        self.header: list[str] = []

    def index(self, name: str) -> int:
        return self.header.index(name)

    def __iter__(self) -> Iterator[Record]:
        try:
            stream = self.path.open("rb")
        except OSError as exc:
            raise RecordsFormatError(
                f"cannot read: {exc.strerror}", source=str(self.path)
            ) from None
        with stream:
            yield from self._records(stream)

    def _fail(self, message: str, line: int | None = None) -> RecordsFormatError:
        return RecordsFormatError(message, source=str(self.path), line=line)

    def _records(self, stream: BinaryIO) -> Iterator[Record]:
        lines = _DecodedLines(stream, self.encoding, self.path)
        reader = csv.reader(lines, strict=True)
        csv.field_size_limit(MAX_FIELD_CHARS)
        try:
            self.header = [name.strip() for name in next(reader)]
        except StopIteration:
            raise self._fail("empty file: expected a header line") from None
        except csv.Error as exc:
            raise self._fail(f"malformed header: {exc}", 1) from None
        c = self.columns
        wanted = (c.force, c.year, c.text, *self.extra)
        missing = [name for name in wanted if name not in self.header]
        if missing:
            raise self._fail(
                f"no column {missing[0]!r} (columns: {', '.join(self.header)}); "
                "choose the columns with --force-column, --year-column and "
                "--text-column",
                1,
            )
        force, year, text = (self.header.index(name) for name in (c.force, c.year, c.text))
        width = len(self.header)
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise self._fail(f"malformed row: {exc}", start) from None
            if not row:  # a blank line
                start = reader.line_num + 1
                continue
            if len(row) != width:
                raise self._fail(f"{len(row)} fields, but the header has {width}", start)
            if not row[force].strip() or not row[year].strip():
                empty = c.force if not row[force].strip() else c.year
                raise self._fail(f"empty {empty!r}", start)
            yield Record(start, row[force].strip(), row[year].strip(), row[text], row)
            start = reader.line_num + 1


class _DecodedLines:
    """The file's lines decoded one at a time, so a bad byte is reported on its line. Lines
    end at b"\n", so the encoding must be ASCII-compatible (UTF-8, Windows-1252, Latin-1)."""

    def __init__(self, stream: BinaryIO, encoding: str, path: Path) -> None:
        self._stream = stream
        self._encoding = encoding
        self._decoder = codecs.getincrementaldecoder(encoding)()
        self._path = path
        self._line = 0

    def __iter__(self) -> _DecodedLines:
        return self

    def __next__(self) -> str:
        raw = self._stream.readline()
        if not raw:
            raise StopIteration
        self._line += 1
        try:
            return self._decoder.decode(raw)
        except UnicodeDecodeError as exc:
            raise RecordsFormatError(
                f"not {self._encoding} text (byte {exc.start + 1} of the line); give the "
                "file's encoding with --encoding",
                source=str(self._path),
                line=self._line,
            ) from None
