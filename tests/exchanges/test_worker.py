"""The exchange worker on SQLite and PostgreSQL, time driven by an injected clock: each
exchange fetched on its interval; a hostile upstream (slow, huge, malformed, failing,
redirecting) fails its own exchange and never the others; 429/503 with Retry-After and
exponential backoff with jitter; one fetch per exchange at a time across processes, and a
lease a dead process left lapses."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.errors import ConflictError
from safeguarding.exchanges.worker import ExchangeWorker

PDQS = [f"{i:02x}" * 32 for i in range(0x11, 0x99, 0x11)]
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
Handler = Callable[[httpx.Request], httpx.Response]


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _listing(*values: str) -> bytes:
    return "".join(
        json.dumps({"signal_type": "pdq", "value": v, "id": v[:4]}) + "\n" for v in values
    ).encode()


def _engine(db_url: str, clock: Clock, handler: Handler, *, worker: bool = False) -> Engine:
    engine = Engine(
        Settings(
            database_url=db_url,
            exchange_max_bytes=100_000,
            exchange_timeout_seconds=0.5,
            exchange_backoff_seconds=60,
            exchange_backoff_max_seconds=3600,
            exchange_worker=worker,
        )
    )
    engine.fetcher.clock = clock
    engine.fetcher.rng = random.Random(15)
    engine.fetcher.client = httpx.Client(transport=httpx.MockTransport(handler))
    return engine


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def upstream() -> dict[str, Handler]:
    """What each path answers; tests change it as they go."""
    return {}


@pytest.fixture
def engine(db_url: str, clock: Clock, upstream: dict[str, Handler]) -> Iterator[Engine]:
    instance = _engine(db_url, clock, lambda request: upstream[request.url.path](request))
    instance.banks.create_bank("partner", "test")
    yield instance
    instance.close()


def _add(engine: Engine, name: str, interval: int = 3600) -> None:
    engine.exchanges.add(
        name,
        "file",
        "partner",
        {"url": f"https://lists.example/{name}.jsonl"},
        "alice",
        interval_seconds=interval,
    )


def _values(engine: Engine) -> set[str]:
    return {e.value for e in engine.banks.entries("partner", limit=1000)}


def _ok(body: bytes) -> Handler:
    """An answer as it comes off the network (a stream, not content already read)."""
    return lambda request: httpx.Response(200, stream=httpx.ByteStream(body))


def test_each_exchange_is_fetched_on_its_interval(
    engine: Engine, clock: Clock, upstream: dict[str, Handler]
) -> None:
    upstream["/often.jsonl"] = _ok(_listing(PDQS[0]))
    upstream["/seldom.jsonl"] = _ok(_listing(PDQS[1]))
    _add(engine, "often", 600)
    _add(engine, "seldom", 3600)
    worker = engine.exchange_worker()
    assert sorted(o.exchange for o in worker.run_once()) == ["often", "seldom"]
    assert _values(engine) == {PDQS[0], PDQS[1]}
    often = engine.exchanges.get("often")
    assert often.next_fetch_at == T0 + timedelta(seconds=600)
    assert often.last_fetch_at == T0 and often.lease_owner is None and often.failures == 0
    assert engine.exchanges.get("seldom").next_fetch_at == T0 + timedelta(seconds=3600)
    assert worker.run_once() == [] and worker.wait_seconds() == 60  # the poll caps it
    clock.advance(599)
    assert worker.run_once() == [] and worker.wait_seconds() == 1
    clock.advance(1)
    upstream["/often.jsonl"] = _ok(_listing(PDQS[0], PDQS[2]))
    assert [o.exchange for o in worker.run_once()] == ["often"]
    assert _values(engine) == {PDQS[0], PDQS[1], PDQS[2]}
    engine.exchanges.update("seldom", "alice", enabled=False)
    clock.advance(3600)
    assert [o.exchange for o in worker.run_once()] == ["often"]  # disabled: left alone


def _drip(request: httpx.Request) -> httpx.Response:
    def body() -> Iterator[bytes]:
        for _ in range(40):
            time.sleep(0.05)  # the upstream is slow; the deadline is 0.5 s
            yield b"\n"

    return httpx.Response(200, content=body())


def _refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


HOSTILE: dict[str, tuple[Handler, str]] = {
    "slow": (_drip, "longer than 0.5 s"),
    "huge": (_ok(b"\n" * 100_001), "larger than 100000"),
    "badjson": (_ok(b"{not json\n"), "invalid JSON"),
    "failing": (lambda request: httpx.Response(500), "HTTP 500"),
    "redirect": (
        lambda request: httpx.Response(302, headers={"Location": "http://x/"}),
        "not followed",
    ),
    "dropped": (_refused, "ConnectError"),
}


def test_a_hostile_upstream_never_stops_the_others(
    engine: Engine, upstream: dict[str, Handler]
) -> None:
    for name, (handler, _) in HOSTILE.items():
        upstream[f"/{name}.jsonl"] = handler
        _add(engine, name)
    upstream["/zgood.jsonl"] = _ok(_listing(PDQS[3]))
    _add(engine, "zgood")  # fetched last: after every hostile one
    outcomes = {o.exchange: o for o in engine.exchange_worker().run_once()}
    assert set(outcomes) == {*HOSTILE, "zgood"}
    assert outcomes["zgood"].result is not None and _values(engine) == {PDQS[3]}
    for name, (_, message) in HOSTILE.items():
        shown = engine.exchanges.get(name)
        assert outcomes[name].result is None and message in (shown.last_error or ""), name
        assert shown.failures == 1 and shown.checkpoint is None and shown.lease_owner is None
        assert shown.next_fetch_at is not None
        assert T0 + timedelta(seconds=30) <= shown.next_fetch_at <= T0 + timedelta(seconds=60)
    assert engine.exchanges.get("zgood").last_error is None


def test_rate_limits_are_honoured_and_failures_back_off(
    engine: Engine, clock: Clock, upstream: dict[str, Handler]
) -> None:
    upstream["/x.jsonl"] = lambda request: httpx.Response(429, headers={"Retry-After": "900"})
    _add(engine, "x", 600)
    worker = engine.exchange_worker()
    worker.run_once()
    x = engine.exchanges.get("x")
    assert "rate limited" in (x.last_error or "") and x.failures == 1
    assert x.next_fetch_at == T0 + timedelta(seconds=900)  # longer than the backoff: honoured
    clock.advance(899)
    assert worker.run_once() == []
    clock.advance(1)
    upstream["/x.jsonl"] = lambda request: httpx.Response(503)
    waits = []
    for failures in range(2, 9):
        assert [o.exchange for o in worker.run_once()] == ["x"]
        x = engine.exchanges.get("x")
        assert x.failures == failures and x.next_fetch_at is not None
        wait = (x.next_fetch_at - clock.now).total_seconds()
        ceiling = min(3600, 60 * 2 ** (failures - 1))
        assert ceiling / 2 <= wait <= ceiling, (failures, wait)
        waits.append(wait)
        clock.now = x.next_fetch_at
    assert waits[-1] <= 3600 and len(set(waits)) == len(waits)  # capped, and jittered
    # An HTTP date is read against the worker's clock, not the wall's (this clock is hours
    # behind it: read against the wall, five hours asked were under one).
    date = (clock.now + timedelta(hours=5)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    upstream["/x.jsonl"] = lambda request: httpx.Response(503, headers={"Retry-After": date})
    worker.run_once()
    x = engine.exchanges.get("x")  # five hours asked, the maximum given
    assert x.next_fetch_at == clock.now + timedelta(seconds=3600)
    clock.now = x.next_fetch_at
    upstream["/x.jsonl"] = _ok(_listing(PDQS[0]))
    worker.run_once()
    x = engine.exchanges.get("x")
    assert (x.failures, x.last_error) == (0, None)
    assert x.next_fetch_at == clock.now + timedelta(seconds=600)


def test_one_fetch_per_exchange_at_a_time_across_processes(
    db_url: str, engine: Engine, clock: Clock, upstream: dict[str, Handler]
) -> None:
    other_clock = Clock()
    other = _engine(db_url, other_clock, lambda request: upstream[request.url.path](request))
    seen: list[object] = []

    def listing_while_the_other_process_tries(request: httpx.Request) -> httpx.Response:
        seen.append(other.exchange_worker().run_once())  # not due: the lease holds
        with pytest.raises(ConflictError, match="being fetched by"):
            other.fetcher.fetch("x")
        seen.append(engine.exchanges.get("x").lease_owner)
        return _ok(_listing(PDQS[0]))(request)

    upstream["/x.jsonl"] = listing_while_the_other_process_tries
    _add(engine, "x", 600)
    worker = engine.exchange_worker()
    assert worker.run_once()[0].result is not None
    assert seen == [[], engine.fetcher.owner] and engine.fetcher.owner != other.fetcher.owner
    assert engine.exchanges.get("x").lease_owner is None

    # a process takes the lease and dies: nobody fetches until the lease lapses
    clock.advance(600)
    with engine.db.write() as session:
        engine.exchanges.store.take_lease(
            session, "x", "dead:1:00", clock.now, clock.now + engine.fetcher.lease
        )
    upstream["/x.jsonl"] = _ok(_listing(PDQS[1]))
    other_clock.now = clock.now
    assert ExchangeWorker(other.db, other.fetcher, poll_seconds=60).run_once() == []
    other_clock.advance(engine.fetcher.lease.total_seconds())
    assert [o.exchange for o in other.exchange_worker().run_once()] == ["x"]
    assert _values(engine) == {PDQS[1]}
    assert engine.exchanges.get("x").lease_owner is None
    other.close()


def test_serve_runs_the_worker_when_asked(db_url: str) -> None:
    from fastapi.testclient import TestClient

    from safeguarding.server import create_app

    body = _listing(PDQS[4])
    engine = _engine(db_url, Clock(), _ok(body), worker=True)
    engine.fetcher.clock = lambda: datetime.now(UTC)
    engine.banks.create_bank("partner", "test")
    _add(engine, "x")
    with TestClient(create_app(engine=engine, worker=True)):
        deadline = time.monotonic() + 20
        while engine.exchanges.get("x").last_success_at is None:
            assert time.monotonic() < deadline, "the worker did not fetch"
            time.sleep(0.05)
    assert _values(engine) == {PDQS[4]}
    engine.close()
