"""Temporary tables for set-based writes: many rows copied into a table private to the
connection with one executemany of plain tuples, so that an INSERT ... SELECT or a join does
the rest in the database.

Row-at-a-time parameters through SQLAlchemy cost tens of microseconds a row (binding, JSON,
timestamps, compiling); a tuple handed to the driver costs about one. Used where pages of
thousands of rows are written at once (banks/bulk.py). On PostgreSQL the rows go in by COPY
(psycopg's row writer: no statement per row at all). The table is
created on first use in a connection (`IF NOT EXISTS`: SQLite and PostgreSQL) and emptied
before each use, and is never part of the schema. Names and column types come from our code,
never from input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import TableClause, column, table
from sqlalchemy.orm import Session

_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_TYPE = re.compile(r"[A-Z]+(\([0-9]+\))?")


def stage(
    session: Session, name: str, columns: Sequence[tuple[str, str]], rows: Iterable[tuple[Any, ...]]
) -> TableClause:
    """Fill the temporary table `name` (columns: (name, SQL type)) with `rows`; the table,
    to select from in the same transaction."""
    if not all(_NAME.fullmatch(n) for n in [name, *(c for c, _ in columns)]) or not all(
        _TYPE.fullmatch(t) for _, t in columns
    ):
        raise ValueError(f"not a staging table's name or column: {name!r}")  # our bug
    connection = session.connection()
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} ("
        + ", ".join(f"{c} {t}" for c, t in columns)
        + ")"
    )
    connection.exec_driver_sql(f"DELETE FROM {name}")  # noqa: S608 (checked above)
    if connection.dialect.name == "postgresql":
        # the transaction's own DBAPI connection: the rows are part of the same transaction
        raw: Any = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {name} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        listed = list(rows)
        if listed:  # an empty list would be read as one statement without parameters
            mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
            connection.exec_driver_sql(
                f"INSERT INTO {name} VALUES ({', '.join([mark] * len(columns))})",  # noqa: S608
                listed,
            )
    return table(name, *(column(c) for c, _ in columns))


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
