"""Process-wide settings of the Python runtime that hot paths share."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a burst of small objects that hold no cycles
    (an index query's hits, an exchange's page of 50,000 rows). Every 700 allocations start
    a collection that walks the young objects, and the older generations all live ones: up
    to three quarters of such a burst's time. The collector is process-wide: another thread
    allocating meanwhile is collected once this ends; a pause inside a pause is one pause."""
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()
