"""Real processes for the many-process tests: a fresh PostgreSQL database, the CLI started
as a subprocess with its output in a log file, readiness and stopping."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from safeguarding.cases import intake
from safeguarding.cases.model import Subject
from safeguarding.engine import Engine
from tests.conftest import postgres_database
from tests.fakes.receiver import ReceiverServer
from tests.fakes.setup import SECRET, Fakes, response_engine, users


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def pg_url(postgres_server: str, postgres_template: str) -> Iterator[str]:
    with postgres_database(postgres_server, postgres_template) as url:
        yield url


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "safeguarding.cli", *args], env=env, stdout=out, stderr=out
        )


def ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"{base}/v1/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "server did not become ready"
        time.sleep(0.2)


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def decided(pg_url: str, n: int) -> tuple[Engine, list[int], ReceiverServer, dict[str, str]]:
    """n cases opened and confirmed (two webhooks each waiting in the outbox), a receiver
    started for them, and the environment a `safeguarding worker` process needs."""
    port = free_port()
    hooks = f"http://127.0.0.1:{port}/hooks"
    engine = response_engine(pg_url, Fakes(), webhook_url=hooks)
    reviewer, _, _ = users(engine)
    ids = [
        engine.cases.open(intake.from_user_report("other", "", Subject(f"c{i}")), "t").case.id
        for i in range(n)
    ]
    for case_id in ids:
        engine.cases.decide(case_id, reviewer, "confirm", "seen", version=1)
    env = {
        **os.environ,
        "SAFEGUARDING_DATABASE_URL": pg_url,
        "SAFEGUARDING_WEBHOOK_URL": hooks,
        "SAFEGUARDING_WEBHOOK_SECRET": SECRET,
    }
    return engine, ids, ReceiverServer(SECRET, port).start(), env
