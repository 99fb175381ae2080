"""Where a platform keeps its upload hashes, read a partition at a time.

A source is cut into partitions the driver hands to workers: a Parquet file's row groups,
or ranges of a PostgreSQL table's integer key. A partition is a small picklable description;
the worker reads its rows itself (from the file, or with its own connection), so hashes
never pass through the driver. Rows are (content id, PDQ hex); a PDQ stored as 32 raw bytes
is read as its hex; rows whose PDQ is missing are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from safeguarding.errors import InvalidInputError, MissingDependencyError

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?")
Rows = tuple[list[str], list[str]]  # content ids, PDQ hex values


class Partition(Protocol):
    @property
    def name(self) -> str:
        """Stable across runs: the checkpoint records partitions by it."""

    def read(self) -> Rows: ...


def _pyarrow_parquet() -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise MissingDependencyError("pyarrow", "backfill", "reading Parquet hashes") from exc
    return pq


def _hex(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


@dataclass(frozen=True)
class ParquetPartition:
    path: str
    row_group: int
    id_column: str
    pdq_column: str

    @property
    def name(self) -> str:
        return f"{self.path}#{self.row_group}"

    def read(self) -> Rows:
        table = (
            _pyarrow_parquet()
            .ParquetFile(self.path)
            .read_row_group(self.row_group, columns=[self.id_column, self.pdq_column])
        )
        ids = table.column(self.id_column).to_pylist()
        values = table.column(self.pdq_column).to_pylist()
        out_ids, out_values = [], []
        for content_id, value in zip(ids, values, strict=True):
            text = _hex(value)
            if text is not None and content_id is not None:
                out_ids.append(str(content_id))
                out_values.append(text)
        return out_ids, out_values


def parquet_partitions(path: Path, id_column: str, pdq_column: str) -> list[ParquetPartition]:
    """Every row group of a Parquet file, or of every `*.parquet` under a folder."""
    pq = _pyarrow_parquet()
    files = sorted(path.rglob("*.parquet")) if path.is_dir() else [path]
    if not files or not all(f.is_file() for f in files):
        raise InvalidInputError("hashes", f"{path}: no Parquet file there")
    partitions: list[ParquetPartition] = []
    for file in files:
        try:
            meta = pq.ParquetFile(file)
        except Exception as exc:  # pyarrow's own errors: not a Parquet file, unreadable
            raise InvalidInputError(
                "hashes", f"{file}: not a readable Parquet file ({exc})"
            ) from None
        names = set(meta.schema_arrow.names)
        for column in (id_column, pdq_column):
            if column not in names:
                raise InvalidInputError("hashes", f"{file}: no column {column!r}")
        partitions.extend(
            ParquetPartition(str(file), i, id_column, pdq_column)
            for i in range(meta.num_row_groups)
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
    pdq_column: str
    low: int  # key >= low
    high: int  # key < high

    @property
    def name(self) -> str:
        return f"{self.table}[{self.low},{self.high})"

    def read(self) -> Rows:
        import psycopg

        sql = (
            f"SELECT {self.id_column}::text, {self.pdq_column} FROM {self.table} "  # noqa: S608 (identifiers checked)
            f"WHERE {self.key_column} >= %s AND {self.key_column} < %s "
            f"AND {self.pdq_column} IS NOT NULL"
        )
        with psycopg.connect(_libpq(self.url)) as conn:
            rows = conn.execute(sql, (self.low, self.high)).fetchall()
        ids, values = [], []
        for content_id, value in rows:
            text = _hex(value)
            if text is not None and content_id is not None:
                ids.append(content_id)
                values.append(text)
        return ids, values


def _libpq(url: str) -> str:
    """SQLAlchemy's postgresql+psycopg:// URL as libpq takes it."""
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


def postgres_partitions(
    url: str,
    table: str,
    *,
    key_column: str = "id",
    id_column: str = "content_id",
    pdq_column: str = "pdq",
    rows_per_partition: int = 1_000_000,
) -> list[PostgresPartition]:
    """Ranges of the table's integer key, each about `rows_per_partition` keys wide."""
    import psycopg

    for field, name in (("table", table), ("key_column", key_column)):
        check_identifier(field, name)
    check_identifier("id_column", id_column)
    check_identifier("pdq_column", pdq_column)
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
        PostgresPartition(url, table, key_column, id_column, pdq_column, start, start + step)
        for start in range(int(low), int(high) + 1, step)
    ]


def iter_rows(partitions: list[Partition]) -> Iterator[tuple[str, str]]:
    """Every (content id, PDQ) of the partitions, in order (tests, brute-force checks)."""
    for partition in partitions:
        ids, values = partition.read()
        yield from zip(ids, values, strict=True)
