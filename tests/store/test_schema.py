"""One rule for the database: each domain package owns its tables (`<package>/tables.py`),
and only that package reads or writes them; the migrations build exactly the tables the
packages declare."""

from __future__ import annotations

import ast
from pathlib import Path

from sqlalchemy import create_engine, inspect

from safeguarding.store.schema import metadata

SRC = Path(__file__).resolve().parents[2] / "src" / "safeguarding"

# Reports are still built from the case's rows (reporting/service.py); they move to the
# case's dataclasses with the report work. Nothing else may join this list.
CROSSINGS = {("reporting", "cases")}


def test_the_migrations_make_every_declared_table(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    try:
        made = set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()
    assert made == set(metadata.tables)


def test_only_the_owning_package_imports_its_tables() -> None:
    crossings = set()
    for path in SRC.rglob("*.py"):
        package = path.relative_to(SRC).parts[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith(".tables"):
                owner = (node.module or "").split(".")[1]
                if owner != package and path != SRC / "store" / "schema.py":
                    crossings.add((package, owner))
    assert crossings == CROSSINGS
