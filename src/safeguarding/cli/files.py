"""Walk paths and hash many files on several processes, with a progress bar."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, TimeRemainingColumn

from safeguarding.cli.common import progress_bar
from safeguarding.errors import SafeguardingError
from safeguarding.hashing.hasher import ContentHashes, hash_file
from safeguarding.media.limits import MediaLimits

Outcome = tuple[Path, ContentHashes | None, str | None]


def expand_paths(paths: Sequence[Path]) -> list[Path]:
    """Files as given, and every file under directories (sorted, hidden ones skipped).
    A path that does not exist is kept, so that it is reported as an error in order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and not any(part.startswith(".") for part in p.relative_to(path).parts)
                )
            )
        else:
            files.append(path)
    return files


def _hash_one(path: Path, limits: MediaLimits, dihedral: bool, crops: bool) -> Outcome:
    try:
        return path, hash_file(path, limits, dihedral=dihedral, crops=crops), None
    except SafeguardingError as exc:
        return path, None, str(exc)
    except OSError as exc:
        return path, None, f"{path}: {exc.strerror or exc}"
    except Exception as exc:  # one file must never stop a folder scan: report it, go on
        return path, None, f"{path}: cannot hash ({type(exc).__name__}: {exc})"


def hash_many(
    files: Sequence[Path],
    limits: MediaLimits,
    workers: int = 0,
    *,
    dihedral: bool = True,
    crops: bool = False,
) -> Iterator[Outcome]:
    """Yield (path, hashes, error) in input order."""
    workers = workers or os.cpu_count() or 1
    progress = progress_bar(
        "{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        enabled=len(files) >= 2,
    )
    with progress:
        task = progress.add_task("hashing", total=len(files))
        if workers == 1 or len(files) < 4:
            for path in files:
                yield _hash_one(path, limits, dihedral, crops)
                progress.advance(task)
            return
        with ProcessPoolExecutor(max_workers=workers) as pool:
            chunk = max(1, min(32, len(files) // (workers * 4)))
            results = pool.map(
                _hash_one,
                files,
                [limits] * len(files),
                [dihedral] * len(files),
                [crops] * len(files),
                chunksize=chunk,
            )
            for outcome in results:
                yield outcome
                progress.advance(task)
