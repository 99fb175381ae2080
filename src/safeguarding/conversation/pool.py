"""Independent work spread over forked worker processes: a training's fits (`fork_map`) and
a batch file's chunks of conversations (`fork_imap`).

Why processes and fork: a training's time goes to fits that do not depend on each other (one
tactic model and one moment model per left-out source, 37 of each for the shipped bundle at
about 2 and 4.5 minutes each), and each runs on one core (scikit-learn's SGD) or little more
(small BLAS products). Scoring is the same: the encoder runs in one thread (embedding/base.py
says why), so one process scores on one core. Forked workers inherit the trainer, its corpus
and its embeddings, or the loaded detector, without copying or pickling them (the model's
arrays stay shared, copy-on-write); only the items go out and the results come back. Each
worker's BLAS is held to one thread so that the workers do not contend.

Where fork is not offered (Windows) or not safe (macOS, where system libraries may not
survive it), or with one worker, the work runs in this process, one item after another.
The pinned training holds every BLAS to one thread as well (environment.py), so a fit gives
the same weights in a worker as in this process."""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager, nullcontext
from itertools import chain, islice
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
#: items each worker may have queued in `fork_imap`: enough that none waits for the next,
#: few enough that a file of any length is read a few chunks ahead, not whole
AHEAD = 2

# The work of the current fork_map or fork_imap, inherited by its workers (a closure cannot
# be pickled).
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
    for result in fork_imap(work, items, min(workers, len(items)), ahead=len(items)):
        out.append(result)
        done(len(out), len(items))
    return out


def fork_imap(
    work: Callable[[T], R], items: Iterable[T], workers: int, ahead: int = AHEAD
) -> Generator[R, None, None]:
    """work(item) for each item, in order, in up to `workers` forked processes, reading at
    most `workers * ahead` items ahead of the result being handed back. A single item, or
    one worker, runs in this process (a fork would only cost)."""
    stream = iter(items)
    first = list(islice(stream, 2))
    if workers <= 1 or len(first) <= 1 or not forkable():
        for item in chain(first, stream):
            yield work(item)
        return
    global _work
    if _work is not None:
        raise RuntimeError("forked work does not nest")
    _work = work
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            pending: deque[Future[R]] = deque()
            try:
                for item in chain(first, stream):
                    pending.append(pool.submit(_call, item))
                    if len(pending) >= workers * ahead:
                        yield pending.popleft().result()
                while pending:
                    yield pending.popleft().result()
            finally:  # the caller stopped early (a closed pipe): drop what has not started
                for future in pending:
                    future.cancel()
    except BrokenProcessPool as exc:
        # a worker died without an answer, most often killed for memory
        raise ConversationError(
            f"a worker process stopped without finishing ({exc}); with less memory, use "
            "fewer workers (--workers 1 runs in this process)"
        ) from exc
    finally:
        _work = None


def _call(item: Any) -> Any:
    assert _work is not None
    with _one_thread():
        return _work(item)


def _one_thread() -> AbstractContextManager[object]:
    """Every BLAS in this worker held to one thread; threadpoolctl comes with the model and
    train extras, and without it the lexical bundle's small products need no limit."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return nullcontext()
    limit: AbstractContextManager[object] = threadpool_limits(1)
    return limit
