"""The `file` kind: a hash list in a local file or at an HTTP(S) URL, as JSON Lines or CSV.

A list is the upstream's whole current set. Each fetch reads it into a bounded spool and
takes its SHA-256: the same list as the last complete pass is nothing to do; otherwise the
list is applied a page of lines at a time (the checkpoint holds the digest and the line
reached, so a crash resumes mid-list), and a last page withdraws this exchange's claims on
every hash the list no longer names. A record with `"deleted": true` withdraws at once.

Records: JSON Lines `{"signal_type": "pdq", "value": "...", "id": "upstream-7",
"labels": ["a"], "deleted": false}` (`type` is taken for `signal_type`); CSV with a header
naming `signal_type,value` and any of `id,labels,deleted` (labels separated by `;`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any
from urllib.parse import unquote, urlsplit

from safeguarding.errors import ExchangeError, InvalidInputError
from safeguarding.exchanges.kinds.base import ExchangeKind, Option, Page, Source, Update

FORMATS = ("jsonl", "csv")
_FIELDS = {"signal_type", "type", "value", "id", "labels", "deleted"}
_TRUE = {"true", "1", "yes"}
_BLOCK = 5000


def is_remote(location: str) -> bool:
    return urlsplit(location).scheme in ("http", "https")


class FileExchange(ExchangeKind):
    name = "file"
    description = "a hash list (JSON Lines or CSV) in a local file or at an HTTP(S) URL"
    options = (
        Option("url", "an absolute path, file:///path, or http(s)://host/path", required=True),
        Option("format", "jsonl or csv (default: from the name's extension, else jsonl)"),
        Option("token", "sent as `Authorization: Bearer TOKEN` to an HTTP(S) URL", secret=True),
    )

    @classmethod
    def check(cls, options: dict[str, str], *, remote_only: bool = False) -> None:
        url = options["url"]
        parts = urlsplit(url)
        if parts.scheme in ("http", "https"):
            if not parts.hostname:
                raise InvalidInputError("options", f"url {url[:200]!r} names no host")
        elif parts.scheme == "file" or (not parts.scheme and url.startswith("/")):
            if remote_only:
                raise InvalidInputError(
                    "options",
                    "a local file can only be configured from the command line on the server",
                )
        else:
            raise InvalidInputError(
                "options",
                f"url must be an absolute path, file:///path or http(s)://..., not {url[:200]!r}",
            )
        if options.get("format", "jsonl") not in FORMATS:
            raise InvalidInputError("options", f"format must be one of {', '.join(FORMATS)}")

    @classmethod
    def pages(cls, source: Source, checkpoint: dict[str, Any] | None) -> Iterator[Page]:
        url = source.options["url"]
        fmt = source.options.get("format") or (
            "csv" if urlsplit(url).path.endswith(".csv") else "jsonl"
        )
        with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as spool:
            _read(source, url, spool)
            spool.seek(0)
            digest = hashlib.file_digest(spool, "sha256").hexdigest()
            done = (checkpoint or {}).get("done")
            if done == digest:
                return
            position = checkpoint or {}
            if position.get("digest") == digest:
                start, started = int(position.get("line", 0)), str(position["pass_started"])
            else:
                start, started = 0, datetime.now(UTC).isoformat()
            spool.seek(0)
            text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
            updates: list[Update] = []
            line = 0
            for line, update in _records(text, fmt, source.exchange):
                if line <= start:
                    continue
                if update is not None:
                    updates.append(update)
                if len(updates) >= source.page_size:
                    yield Page(updates, {"digest": digest, "line": line, "pass_started": started})
                    updates = []
            if updates:
                yield Page(updates, {"digest": digest, "line": line, "pass_started": started})
            yield Page([], {"done": digest}, sweep_before=started)
            text.detach()


def _read(source: Source, url: str, spool: IO[bytes]) -> None:
    if is_remote(url):
        token = source.credentials.get("token")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        source.http.download(url, spool, exchange=source.exchange, headers=headers)
        return
    path = unquote(urlsplit(url).path) if url.startswith("file:") else url
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block us
    except OSError as exc:
        raise ExchangeError(
            f"cannot open {path[:200]}: {exc.strerror}", exchange=source.exchange
        ) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ExchangeError(f"{path[:200]} is not a regular file", exchange=source.exchange)
    with os.fdopen(fd, "rb") as handle:
        total = 0
        while chunk := handle.read(1024 * 1024):
            total += len(chunk)
            if total > source.max_bytes:
                raise ExchangeError(
                    f"{path[:200]} is larger than {source.max_bytes} bytes (exchange_max_bytes)",
                    exchange=source.exchange,
                )
            spool.write(chunk)


def _records(text: IO[str], fmt: str, exchange: str) -> Iterator[tuple[int, Update | None]]:
    try:
        yield from (_csv if fmt == "csv" else _jsonl)(text, exchange)
    except UnicodeDecodeError:
        raise ExchangeError("the list is not valid UTF-8", exchange=exchange) from None


def _jsonl(text: IO[str], exchange: str) -> Iterator[tuple[int, Update | None]]:
    """Lines parsed _BLOCK at a time as one JSON array (a single json.loads instead of one
    a line: most of a big list's parsing time). A block that does not parse as exactly one
    value a line is parsed line by line as it is read, which names the first bad line."""
    first = 1
    while block := list(itertools.islice(text, _BLOCK)):
        filled = [raw for raw in block if raw.strip()]
        try:
            parsed = json.loads("[" + ",".join(filled) + "]")
        except json.JSONDecodeError:
            parsed = None
        values = iter(parsed) if parsed is not None and len(parsed) == len(filled) else None
        for number, raw in enumerate(block, start=first):
            if not raw.strip():
                yield number, None
                continue
            record = next(values) if values is not None else _line(raw, number, exchange)
            if not isinstance(record, dict):
                raise _bad(exchange, number, "each line must be a JSON object")
            yield number, _update(record, number, exchange)
        first += len(block)


def _line(raw: str, number: int, exchange: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise _bad(exchange, number, f"invalid JSON: {exc.msg}") from None


def _csv(text: IO[str], exchange: str) -> Iterator[tuple[int, Update | None]]:
    rows = csv.reader(text)
    try:
        header = [c.strip().lower() for c in next(rows)]
    except StopIteration:
        return
    except csv.Error as exc:
        raise _bad(exchange, 1, f"invalid CSV: {exc}") from None
    if (
        not set(header) <= _FIELDS
        or "value" not in header
        or not ({"signal_type", "type"} & set(header))
    ):
        raise _bad(
            exchange, 1, f"the header must name signal_type and value, and only {sorted(_FIELDS)}"
        )
    try:
        for row in rows:
            number = rows.line_num
            if not any(cell.strip() for cell in row):
                yield number, None
                continue
            if len(row) != len(header):
                raise _bad(exchange, number, f"expected {len(header)} columns, got {len(row)}")
            record: dict[str, Any] = dict(zip(header, row, strict=True))
            record["labels"] = [x for x in record.get("labels", "").split(";") if x.strip()]
            record["deleted"] = record.get("deleted", "").strip().lower() in _TRUE
            yield number, _update(record, number, exchange)
    except csv.Error as exc:
        raise _bad(exchange, rows.line_num, f"invalid CSV: {exc}") from None


def _update(record: dict[str, Any], line: int, exchange: str) -> Update:
    signal_type = record.get("signal_type", record.get("type"))
    value, upstream_id = record.get("value"), record.get("id")
    labels, deleted = record.get("labels") or [], record.get("deleted", False)
    if not isinstance(signal_type, str) or not isinstance(value, str):
        raise _bad(exchange, line, "needs string fields 'signal_type' and 'value'")
    if upstream_id is not None and not isinstance(upstream_id, str | int):
        raise _bad(exchange, line, "id must be a string or a number")
    if labels and (not isinstance(labels, list) or not all(isinstance(x, str) for x in labels)):
        raise _bad(exchange, line, "labels must be a list of strings")
    if not isinstance(deleted, bool):
        raise _bad(exchange, line, "deleted must be true or false")
    return Update(
        signal_type,
        value,
        None if upstream_id is None else str(upstream_id),
        tuple(labels),
        deleted,
    )


def _bad(exchange: str, line: int, message: str) -> ExchangeError:
    return ExchangeError(f"line {line} of the list: {message}", exchange=exchange)
