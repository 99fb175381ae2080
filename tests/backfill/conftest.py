from __future__ import annotations

from collections.abc import Iterator

import pytest

from safeguarding.backfill.run import distributed


@pytest.fixture(scope="package")
def cluster() -> Iterator[str]:
    """One LocalCluster of 2 single-threaded worker processes for the backfill tests: its
    scheduler's address, as `--scheduler` takes it."""
    with distributed().LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local.scheduler_address
