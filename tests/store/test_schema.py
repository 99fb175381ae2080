"""One rule for the database: each domain package owns its tables (`<package>/tables.py`),
and only that package reads or writes them; the migrations build exactly the tables the
packages declare."""

from __future__ import annotations

import ast
from pathlib import Path

from sqlalchemy import create_engine, inspect

from safeguarding.store.models import Base, InstanceValueRow
from safeguarding.store.schema import metadata

SRC = Path(__file__).resolve().parents[2] / "src" / "safeguarding"
MIGRATIONS = SRC / "store" / "migrations"


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
                # schema.py gathers every table; a migration may touch any table by design
                if (
                    owner != package
                    and path != SRC / "store" / "schema.py"
                    and (MIGRATIONS not in path.parents)
                ):
                    crossings.add((package, owner))
    assert crossings == set()  # reports read a case through cases.records, not its rows


def test_every_table_lives_in_its_domain_package() -> None:
    """`store/` keeps the base and the installation's own values; every other table is
    declared in `<package>/tables.py`."""
    homes = {m.class_.__module__ for m in Base.registry.mappers if m.class_ is not InstanceValueRow}
    assert homes and all(
        h.startswith("safeguarding.") and h.endswith(".tables") and h != "safeguarding.store.tables"
        for h in homes
    ), homes
