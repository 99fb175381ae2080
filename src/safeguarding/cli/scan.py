"""`safeguarding scan backfill`: check stored upload hashes against the entries banks
gained since a change id, on Dask (docs/backfill.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from safeguarding.backfill.checkpoint import Checkpoint
from safeguarding.backfill.run import Backfill, Progress
from safeguarding.backfill.sources import Partition, parquet_partitions, postgres_partitions
from safeguarding.cli.common import engine, err, out, print_json

app = typer.Typer(help="Scans over stored hashes.", no_args_is_help=True)


def _progress(step: Progress) -> None:
    if step.dashboard:
        err.print(f"Dask dashboard: {step.dashboard}")
    width = 30
    filled = width * step.done // max(step.total, 1)
    rate = step.rows / step.seconds if step.seconds else 0.0
    err.print(
        f"\r[{'#' * filled}{'.' * (width - filled)}] {step.done}/{step.total} partitions, "
        f"{step.rows:,} hashes ({rate:,.0f}/s), {step.matches} matches",
        end="",
    )


@app.command()
def backfill(
    ctx: typer.Context,
    hashes: Annotated[
        str,
        typer.Option(
            help="The stored upload hashes: a Parquet file or folder, or a PostgreSQL URL "
            "(postgresql://...) with --table."
        ),
    ],
    since: Annotated[
        int, typer.Option(min=0, help="Bank change id: check against entries added after it.")
    ],
    scheduler: Annotated[
        str | None,
        typer.Option(help="A Dask scheduler's address (default: a LocalCluster here)."),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="LocalCluster worker processes.")] = 2,
    checkpoint: Annotated[
        Path, typer.Option(help="Folder of the resumable state (run again to resume).")
    ] = Path("backfill-checkpoint"),
    table: Annotated[str, typer.Option(help="PostgreSQL: the table.")] = "upload_hashes",
    key_column: Annotated[str, typer.Option(help="PostgreSQL: an integer key.")] = "id",
    id_column: Annotated[str, typer.Option(help="The content id column.")] = "content_id",
    pdq_column: Annotated[
        str, typer.Option(help="The PDQ column (hex or 32 bytes); '' reads none.")
    ] = "pdq",
    md5_column: Annotated[
        str, typer.Option(help="An MD5 column (hex or 16 bytes); default: none.")
    ] = "",
    sha256_column: Annotated[
        str, typer.Option(help="A SHA-256 column (hex or 32 bytes); default: none.")
    ] = "",
    rows_per_partition: Annotated[
        int, typer.Option(min=1, help="PostgreSQL: keys per partition.")
    ] = 1_000_000,
    dashboard: Annotated[bool, typer.Option(help="Start Dask's dashboard (LocalCluster).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="The report as JSON.")] = False,
) -> None:
    """Scan every stored hash against only the entries of its type (PDQ, MD5, SHA-256) added
    since --since; matches become cases as live matching makes them. Progress on stderr;
    resumable."""
    named = (("pdq", pdq_column), ("md5", md5_column), ("sha256", sha256_column))
    columns = tuple((signal, column) for signal, column in named if column)
    with engine(ctx) as e:
        partitions: list[Partition]
        if hashes.startswith("postgresql"):
            partitions = list(
                postgres_partitions(
                    hashes,
                    table,
                    key_column=key_column,
                    id_column=id_column,
                    columns=columns,
                    rows_per_partition=rows_per_partition,
                )
            )
        else:
            partitions = list(parquet_partitions(Path(hashes), id_column, columns))
        job = Backfill(e, partitions, Checkpoint(checkpoint), progress=_progress)
        report = job.run(since, scheduler=scheduler, workers=workers, dashboard=dashboard)
    err.print("")
    if as_json:
        print_json(
            {
                "since": report.since,
                "upto": report.upto,
                "entries": report.entries,
                "partitions": report.partitions,
                "resumed": report.resumed,
                "rows": report.rows,
                "invalid": report.invalid,
                "matches": len(report.matches),
                "cases_opened": report.cases_opened,
                "cases_joined": report.cases_joined,
                "seconds": round(report.seconds, 1),
            }
        )
        return
    out.print(
        f"checked {report.rows:,} stored hashes ({report.invalid} invalid) against "
        f"{report.entries:,} entries added after change {report.since} (up to {report.upto}): "
        f"{len(report.matches)} matches, {report.cases_opened} cases opened, "
        f"{report.cases_joined} joined; {report.partitions - report.resumed} of "
        f"{report.partitions} partitions scanned in {report.seconds:.1f} s"
    )
