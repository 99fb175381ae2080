"""Independent fits of one training run spread over forked worker processes.

Why processes and fork: a training's time goes to fits that do not depend on each other (one
tactic model and one moment model per left-out source, 37 of each for the shipped bundle at
about 2 and 4.5 minutes each), and each runs on one core (scikit-learn's SGD) or little more
(small BLAS products). Forked workers inherit the trainer, its corpus and its embeddings
without copying or pickling them; only the source names go out and the fitted models come
back. Each worker's BLAS is held to one thread so that the workers do not contend.

Where fork is not offered (Windows) or not safe (macOS, where system libraries may not
survive it), or with one worker, the work runs in this process, one item after another.
The pinned training holds every BLAS to one thread as well (environment.py), so a fit gives
the same weights in a worker as in this process."""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from safeguarding.errors import ConversationError

T = TypeVar("T")
R = TypeVar("R")


def _cores() -> int:
    """The cores this process may run on (a container's or taskset's limit, not the host's)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


#: the default number of worker processes: the cores, at most four (each holds the inputs
#: of the fit it runs, up to about a gigabyte for the shipped bundle's sources)
WORKERS = min(4, _cores())

# The work of the current fork_map, inherited by its workers (a closure cannot be pickled).
_work: Callable[[Any], Any] | None = None


def forkable() -> bool:
    return sys.platform != "darwin" and "fork" in multiprocessing.get_all_start_methods()


def fork_map(
    work: Callable[[T], R],
    items: Iterable[T],
    workers: int,
    done: Callable[[int, int], object] = lambda _done, _total: None,
) -> list[R]:
    """[work(item) for item in items], in up to `workers` forked processes (in order);
    `done(n, total)` after each of the first n results is in."""
    items = list(items)
    out: list[R] = []
    if workers <= 1 or len(items) <= 1 or not forkable():
        for item in items:
            out.append(work(item))
            done(len(out), len(items))
        return out
    global _work
    if _work is not None:
        raise RuntimeError("fork_map does not nest")
    _work = work
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(min(workers, len(items)), mp_context=context) as pool:
            for result in pool.map(_call, items):
                out.append(result)
                done(len(out), len(items))
        return out
    except BrokenProcessPool as exc:
        # a worker died without an answer, most often killed for memory
        raise ConversationError(
            f"a training worker process stopped without finishing ({exc}); with less "
            "memory, train with fewer workers (--workers 1 fits in this process)"
        ) from exc
    finally:
        _work = None


def _call(item: Any) -> Any:
    from threadpoolctl import threadpool_limits

    assert _work is not None
    with threadpool_limits(1):
        return _work(item)
