"""The schedule's arithmetic: exponential backoff with equal jitter and its cap, Retry-After
in both forms, and the lease's length."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from safeguarding.exchanges.schedule import Backoff, lease_length, process_owner, retry_after

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("failures", "low", "high"),
    [
        (1, 30, 60),
        (2, 60, 120),
        (3, 120, 240),
        (6, 960, 1920),
        (7, 1000, 2000),
        (500, 1000, 2000),
    ],
)
def test_backoff_doubles_with_jitter_up_to_its_cap(failures: int, low: float, high: float) -> None:
    backoff = Backoff(60, 2000)
    rng = random.Random(failures)
    waits = [backoff.delay(failures, rng) for _ in range(200)]
    assert all(low <= w <= high for w in waits)
    assert max(waits) - min(waits) > (high - low) / 2  # spread, not one value


def test_retry_after_is_honoured_when_longer_and_capped() -> None:
    backoff = Backoff(60, 3600)
    rng = random.Random(1)
    assert backoff.delay(1, rng, retry_after=900) == 900
    assert 30 <= backoff.delay(1, rng, retry_after=5) <= 60  # shorter: the backoff stands
    assert backoff.delay(1, rng, retry_after=10**9) == 3600


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("Tue, 01 Dec 2026 09:10:00 GMT", 600.0),
        ("Tue, 01 Dec 2026 08:00:00 GMT", 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("-5", None),
        ("1e9", None),
    ],
)
def test_retry_after_header(header: str | None, seconds: float | None) -> None:
    assert retry_after(header, NOW) == seconds


def test_a_lease_outlasts_an_answer_and_owners_differ() -> None:
    assert lease_length(300) == timedelta(seconds=660)
    assert process_owner() != process_owner()
