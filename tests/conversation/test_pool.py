"""pool.py: independent work in forked workers, in order, with progress."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from safeguarding.conversation.pool import fork_imap, fork_map, forkable
from safeguarding.errors import ConversationError


def _square_and_pid(n: int) -> tuple[int, int]:
    return n * n, os.getpid()


@pytest.mark.parametrize("workers", [1, 2])
def test_results_come_back_in_order_with_progress(workers: int) -> None:
    seen: list[tuple[int, int]] = []
    out = fork_map(_square_and_pid, range(7), workers, lambda d, t: seen.append((d, t)))
    assert [square for square, _ in out] == [n * n for n in range(7)]
    assert seen == [(d, 7) for d in range(1, 8)]
    pids = {pid for _, pid in out}
    if workers == 1 or not forkable():
        assert pids == {os.getpid()}
    else:
        assert os.getpid() not in pids


def test_a_closure_runs_in_the_workers() -> None:
    """The work is inherited by fork, not pickled: a closure over a large local works."""
    table = {n: str(n) * 3 for n in range(1000)}
    assert fork_map(lambda n: table[n], [5, 999], 2) == ["555", "999999999"]


def test_a_failing_item_raises_in_the_caller() -> None:
    def work(n: int) -> int:
        if n == 3:
            raise ValueError("item 3 is bad")
        return n

    with pytest.raises(ValueError, match="item 3 is bad"):
        fork_map(work, range(5), 2)
    # the pool is usable again afterwards
    assert fork_map(lambda n: n + 1, [1, 2], 2) == [2, 3]


@pytest.mark.skipif(not forkable(), reason="in turn where fork is not offered")
def test_fork_map_does_not_nest() -> None:
    with pytest.raises(RuntimeError, match="does not nest"):
        fork_map(lambda n: fork_map(lambda m: m, [1, 2], 2), [1, 2], 2)


@pytest.mark.skipif(not forkable(), reason="in turn where fork is not offered")
def test_a_worker_that_dies_gives_a_clear_error() -> None:
    """A worker killed (for memory, most often) leaves no traceback to read: the error says
    what happened and what to do."""

    def work(n: int) -> int:
        if n == 1:
            os._exit(9)
        return n

    with pytest.raises(ConversationError, match="--workers 1"):
        fork_map(work, range(4), 2)


@pytest.mark.parametrize("workers", [1, 2])
def test_imap_reads_only_a_few_items_ahead(workers: int) -> None:
    """A stream of any length: the items read stay a bounded distance ahead of the results
    handed back, and they come back in order."""
    read: list[int] = []

    def items() -> Iterator[int]:
        for n in range(50):
            read.append(n)
            yield n

    for got in fork_imap(_square_and_pid, items(), workers, ahead=2):
        square = got[0]
        assert len(read) - 1 - int(square**0.5) <= 2 * workers + 1
    assert len(read) == 50


def test_imap_runs_a_single_item_in_this_process() -> None:
    """One chunk (a small file) is not worth a fork."""
    assert [pid for _, pid in fork_imap(_square_and_pid, [3], 2)] == [os.getpid()]


@pytest.mark.skipif(not forkable(), reason="in turn where fork is not offered")
def test_imap_spreads_items_over_workers() -> None:
    out = list(fork_imap(_square_and_pid, range(20), 2))
    assert [square for square, _ in out] == [n * n for n in range(20)]
    assert os.getpid() not in {pid for _, pid in out}


@pytest.mark.skipif(not forkable(), reason="in turn where fork is not offered")
def test_imap_stopped_early_drops_the_work_not_started(tmp_path: Path) -> None:
    """A reader that stops (a closed pipe) does not wait for the chunks queued behind it."""

    def work(n: int) -> int:
        (tmp_path / str(n)).touch()
        time.sleep(0.2)
        return n

    results = fork_imap(work, range(40), 2, ahead=4)
    assert next(results) == 0
    results.close()
    # eight were queued (two workers, four each); those not yet handed to a worker never run
    assert len(list(tmp_path.iterdir())) < 8
