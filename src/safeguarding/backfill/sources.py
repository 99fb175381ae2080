"""Where a platform keeps its upload hashes, read a partition at a time.

A source is cut into partitions the driver hands to workers: a Parquet file's row groups,
or ranges of a PostgreSQL table's integer key. A partition is a small picklable description;
the worker reads its rows itself (from the file, or with its own connection), so hashes
never pass through the driver. A partition reads as an Arrow table: the content id and one
column per signal type read (PDQ, MD5, SHA-256), each as stored, hex text or raw bytes
(decode.py checks and decodes them a column at a time). A row may lack some of its hashes
(null): those are not checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from safeguarding.errors import InvalidInputError, MissingDependencyError

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?")
#: which stored column holds each signal type: (("pdq", "pdq_hex"), ("md5", "md5"), ...)
Columns = tuple[tuple[str, str], ...]
ID = "content_id"


class Partition(Protocol):
    @property
    def name(self) -> str:
        """Stable across runs: the checkpoint records partitions by it."""

    @property
    def columns(self) -> Columns:
        """(signal type, stored column) of each hash read."""

    def read(self) -> Any:
        """The partition as a `pyarrow.Table`: `content_id`, then a column named after
        each signal type read, values as stored (hex text or raw bytes). Rows without a
        content id are left out."""


def _pyarrow() -> Any:
    try:
        import pyarrow as pa
        import pyarrow.parquet
    except ImportError as exc:
        raise MissingDependencyError("pyarrow", "backfill", "reading stored hashes") from exc
    return pa


def _named(table: Any, id_column: str, columns: Columns) -> Any:
    """`table` with its columns renamed to `content_id` and the signal types, rows without
    a content id dropped; an id that is not text (an integer key) is read as text."""
    pa = _pyarrow()
    ids = table.column(id_column)
    if not (pa.types.is_string(ids.type) or pa.types.is_large_string(ids.type)):
        ids = ids.cast(pa.string())
    named = pa.table(
        [ids, *(table.column(column) for _, column in columns)],
        names=[ID, *(signal for signal, _ in columns)],
    )
    return named if ids.null_count == 0 else named.filter(ids.is_valid())


@dataclass(frozen=True)
class ParquetPartition:
    path: str
    row_group: int
    id_column: str
    columns: Columns

    @property
    def name(self) -> str:
        return f"{self.path}#{self.row_group}"

    def read(self) -> Any:
        wanted = [self.id_column, *dict.fromkeys(column for _, column in self.columns)]
        table = (
            _pyarrow().parquet.ParquetFile(self.path).read_row_group(self.row_group, columns=wanted)
        )
        return _named(table, self.id_column, self.columns)


def parquet_partitions(path: Path, id_column: str, columns: Columns) -> list[ParquetPartition]:
    """Every row group of a Parquet file, or of every `*.parquet` under a folder."""
    pq = _pyarrow().parquet
    files = sorted(path.rglob("*.parquet")) if path.is_dir() else [path]
    if not files or not all(f.is_file() for f in files):
        raise InvalidInputError("hashes", f"{path}: no Parquet file there")
    if not columns:
        raise InvalidInputError("hashes", "no hash column named to read")
    partitions: list[ParquetPartition] = []
    for file in files:
        try:
            meta = pq.ParquetFile(file)
        except Exception as exc:  # pyarrow's own errors: not a Parquet file, unreadable
            raise InvalidInputError(
                "hashes", f"{file}: not a readable Parquet file ({exc})"
            ) from None
        names = set(meta.schema_arrow.names)
        for column in (id_column, *(column for _, column in columns)):
            if column not in names:
                raise InvalidInputError("hashes", f"{file}: no column {column!r}")
        partitions.extend(
            ParquetPartition(str(file), i, id_column, columns) for i in range(meta.num_row_groups)
        )
    return partitions


def check_identifier(field: str, name: str) -> str:
    """A table or column name put into SQL: letters, digits and '_' only (schema.table)."""
    if not _IDENTIFIER.fullmatch(name):
        raise InvalidInputError(field, f"{name[:80]!r} is not a plain SQL identifier")
    return name


@dataclass(frozen=True)
class PostgresPartition:
    url: str
    table: str
    key_column: str
    id_column: str
    columns: Columns
    low: int  # key >= low
    high: int  # key < high

    @property
    def name(self) -> str:
        return f"{self.table}[{self.low},{self.high})"

    def read(self) -> Any:
        import psycopg

        pa = _pyarrow()
        selected = ", ".join(column for _, column in self.columns)
        sql = (
            f"SELECT {self.id_column}::text, {selected} FROM {self.table} "  # noqa: S608 (identifiers checked)
            f"WHERE {self.key_column} >= %s AND {self.key_column} < %s "
            f"AND {self.id_column} IS NOT NULL"
        )
        with psycopg.connect(_libpq(self.url)) as conn:
            rows = conn.execute(sql, (self.low, self.high)).fetchall()
        names = [ID, *(signal for signal, _ in self.columns)]
        if not rows:
            return pa.table({name: pa.array([], pa.string()) for name in names})
        # psycopg converts in C: text to str, bytea to bytes; Arrow takes the columns whole
        return pa.table([pa.array(list(values)) for values in zip(*rows, strict=True)], names=names)


def _libpq(url: str) -> str:
    """SQLAlchemy's postgresql+psycopg:// URL as libpq takes it."""
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


def postgres_partitions(
    url: str,
    table: str,
    *,
    key_column: str = "id",
    id_column: str = "content_id",
    columns: Columns = (("pdq", "pdq"),),
    rows_per_partition: int = 1_000_000,
) -> list[PostgresPartition]:
    """Ranges of the table's integer key, each about `rows_per_partition` keys wide."""
    import psycopg

    for field, name in (("table", table), ("key_column", key_column), ("id_column", id_column)):
        check_identifier(field, name)
    if not columns:
        raise InvalidInputError("hashes", "no hash column named to read")
    for signal, column in columns:
        check_identifier(f"{signal}_column", column)
    try:
        with psycopg.connect(_libpq(url)) as conn:
            low, high = conn.execute(
                f"SELECT min({key_column}), max({key_column}) FROM {table}"  # noqa: S608
            ).fetchone() or (None, None)
    except psycopg.Error as exc:
        raise InvalidInputError("hashes", f"cannot read {table}: {exc}".strip()) from None
    if low is None or high is None:
        return []
    step = max(1, rows_per_partition)
    return [
        PostgresPartition(url, table, key_column, id_column, columns, start, start + step)
        for start in range(int(low), int(high) + 1, step)
    ]
