"""numpy's BLAS kept to one thread while messages are scored.

OpenBLAS starts as many threads as there are cores and uses them for any product big enough,
such as a batch's embeddings times the tactic weights. Those products take a few
milliseconds, and a second thread there only spins: measured on the 2-core machine
(docs/benchmarks.md), batch scoring spent about a fifth more CPU time with the default
threads than with one, and was slower for it when the other core was busy. The sentence
encoder keeps to its own threads already (embedding/use.py). One thread also makes a
message's products the same whether it is scored alone or in a batch. Without threadpoolctl
(an install without the `model` extra) this does nothing."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from functools import cache
from typing import Any


@cache
def _controller() -> Any:
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    # Finding the loaded BLAS libraries scans the process's libraries: once, not per call.
    return ThreadpoolController()


def one_thread() -> AbstractContextManager[Any]:
    controller = _controller()
    if controller is None:
        return nullcontext()
    limit: AbstractContextManager[Any] = controller.limit(limits=1, user_api="blas")
    return limit
