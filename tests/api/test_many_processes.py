"""Many processes over one PostgreSQL database, as real processes on loopback ports (the
short version for the suite; the load and fault runs are bench/load_many_processes.py):
a bank change made through one API process is matchable in another within the refresh
interval, `serve --workers 2` serves, and two `safeguarding worker` processes deliver each
webhook exactly once."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest

from safeguarding.config import Settings
from safeguarding.delivery.model import DeliveryStatus
from safeguarding.engine import Engine
from tests.processes import decided, free_port, pg_url, ready, start, stop

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
REFRESH = 0.5
__all__ = ["pg_url"]  # the fixture, imported for this module


def test_a_bank_change_reaches_every_api_process(pg_url: str, tmp_path: Path) -> None:
    engine = Engine(Settings(database_url=pg_url))
    token = engine.keys.create("t", ["admin"], "test").token
    engine.close()
    env = {
        **os.environ,
        "SAFEGUARDING_DATABASE_URL": pg_url,
        "SAFEGUARDING_INDEX_REFRESH_SECONDS": str(REFRESH),
    }
    ports = [free_port(), free_port(), free_port()]
    processes = [
        start(["serve", "--port", str(ports[0])], env, tmp_path / "a.log"),
        start(["serve", "--port", str(ports[1])], env, tmp_path / "b.log"),
        start(["serve", "--port", str(ports[2]), "--workers", "2"], env, tmp_path / "c.log"),
    ]
    try:
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        for base, process, log in zip(bases, processes, ("a", "b", "c"), strict=True):
            ready(base, process, tmp_path / f"{log}.log")
        headers = {"Authorization": f"Bearer {token}"}
        query = {"items": [{"signals": [{"type": "pdq", "value": PDQ}]}]}
        for base in bases:  # every process has loaded its index: nothing matches yet
            answer = httpx.post(f"{base}/v1/match/signals", json=query, headers=headers)
            assert answer.json()["results"][0]["matched"] is False
        # the change is made through the first process ...
        httpx.post(f"{bases[0]}/v1/banks", json={"name": "b"}, headers=headers).raise_for_status()
        added = httpx.post(
            f"{bases[0]}/v1/banks/b/entries",
            json={"signals": [{"type": "pdq", "value": PDQ}]},
            headers=headers,
        )
        added.raise_for_status()
        changed = time.monotonic()
        # ... and every other answers with it within the refresh interval (and the time a
        # loaded machine takes to answer); the --workers 2 port is asked several times, so
        # both of its processes are likely among those asked
        for base in bases[1:] + [bases[2]] * 3:
            while True:
                answer = httpx.post(f"{base}/v1/match/signals", json=query, headers=headers)
                if answer.json()["results"][0]["matched"]:
                    break
                assert time.monotonic() - changed < REFRESH + 10, f"{base} never saw the change"
                time.sleep(0.05)
    finally:
        stop(processes)


def test_two_outbox_workers_deliver_each_webhook_once(pg_url: str, tmp_path: Path) -> None:
    engine, ids, receiver, env = decided(pg_url, 15)
    workers = [start(["worker"], env, tmp_path / f"w{i}.log") for i in range(2)]
    try:
        deadline = time.monotonic() + 60
        while engine.outbox.counts().get(DeliveryStatus.DELIVERED, 0) < 2 * len(ids):
            for worker, name in zip(workers, ("w0", "w1"), strict=True):
                assert worker.poll() is None, (tmp_path / f"{name}.log").read_text()
            assert time.monotonic() < deadline, engine.outbox.counts()
            time.sleep(0.2)
    finally:
        stop(workers)
        receiver.stop()
        engine.close()
    # case.opened and case.decided for each case, each sent once (no second request)
    assert receiver.requests == len(receiver.events) == 2 * len(ids)
    assert receiver.rejected == 0
    sent = sorted((e["event"], e["case_id"]) for e in receiver.events)
    assert sent == sorted([("case.opened", i) for i in ids] + [("case.decided", i) for i in ids])
