"""Backfill (retro-scan): when banks gain entries, a platform's stored upload hashes are
checked again, against only the new entries, on a Dask cluster (docs/backfill.md).

sources (the stored hashes: Parquet files or a PostgreSQL table, cut into partitions),
entries (the PDQ entries added since a change id, as one index file), scan (what a worker
runs on one partition), checkpoint (resumable state in a folder), run (the driver: Dask,
progress, and each match opened as live matching opens it). Dask (`distributed`) and
`pyarrow` come with the `backfill` extra; only `run` and the Parquet source import them.
"""
