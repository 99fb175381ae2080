"""`safeguarding index ...`: index snapshots that servers map instead of rebuilding."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from safeguarding.cli.common import engine, fail, out

app = typer.Typer(help="Index snapshots.", no_args_is_help=True)


@app.command()
def snapshot(
    ctx: typer.Context,
    folder: Annotated[
        Path | None, typer.Option("--dir", help="Where to write (default: SAFEGUARDING_INDEX_DIR).")
    ] = None,
) -> None:
    """Build the indexes from the database and write them as a snapshot. Servers started
    with SAFEGUARDING_INDEX_DIR map it and apply only the changes made after it."""
    with engine(ctx) as e:
        target = folder or (Path(e.settings.index_dir) if e.settings.index_dir else None)
        if target is None:
            fail("say where: --dir FOLDER or SAFEGUARDING_INDEX_DIR")
        start = time.perf_counter()
        e.matcher.snapshot_dir = None  # build from the database, not from an old snapshot
        e.matcher.load()
        e.matcher.save_snapshot(target)
        sizes = ", ".join(f"{k} {v:,}" for k, v in e.matcher.size().items())
    out.print(f"snapshot written to {target} in {time.perf_counter() - start:.1f} s ({sizes})")
