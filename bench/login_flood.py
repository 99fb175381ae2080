"""API write latency while clients flood the sign-in form, for `bench_hostile.py`.

A real server (`safeguarding serve`, SQLite, a loopback port) in its own process. One client
adds bank entries through the API one at a time (each a write transaction) and times them;
`clients` processes post wrong passwords as fast as they can, each for a new made-up user
name (the old code's worst case: no account to lock, so every attempt hashed a password
inside a write transaction), with the CSRF cookie and token a browser gets from the form.
They come from one address, each from its own, or from a new address every attempt (a
botnet: nothing to refuse by address), given as X-Forwarded-For through 127.0.0.1, which
the server is told is a trusted proxy (packages without `trusted_proxies` ignore it). The
flooders run at the lowest CPU priority: in a real attack their CPU is someone else's.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import httpx


@dataclass(frozen=True)
class Flood:
    name: str
    clients: int
    #: "one": all from one address; "own": each its own; "new": a new one every attempt
    addresses: str = "one"


SCENARIOS = [
    Flood("none", 0),
    Flood("8 clients, one address", 8),
    Flood("8 clients, 8 addresses", 8, "own"),
    Flood("8 clients, a new address every attempt", 8, "new"),
]


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "safeguarding.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _flooder(url: str, client: int, addresses: str, stop: Event, results: Any) -> None:
    os.nice(19)
    counts = {"attempts": 0, "refused": 0, "busy": 0}
    with httpx.Client(base_url=url, timeout=60) as http:
        form = http.get("/login")
        token = http.cookies.get("sg_login_csrf", "")
        assert form.status_code == 200 and token
        while not stop.is_set():
            n = counts["attempts"]
            address = {
                "one": None,
                "own": f"198.51.100.{client + 1}",
                "new": f"10.{client + 1}.{n // 250 % 250}.{n % 250 + 1}",
            }[addresses]
            try:
                answer = http.post(
                    "/login",
                    data={
                        "username": f"guess{secrets.token_hex(4)}",
                        "password": "wrong password, wrong",
                        "csrf_token": token,
                    },
                    headers={"X-Forwarded-For": address} if address else {},
                )
            except httpx.HTTPError:
                continue
            counts["attempts"] += 1
            counts["refused"] += "too many failed" in answer.text  # refused unhashed
            counts["busy"] += "at once" in answer.text  # no turn to be hashed in time
    results.put(counts)


def _writes(url: str, token: str, seconds: float) -> list[float]:
    latencies = []
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            body = {"signals": [{"type": "pdq", "value": secrets.token_hex(32)}]}
            start = time.perf_counter()
            answer = client.post("/v1/banks/flood/entries", json=body)
            latencies.append((time.perf_counter() - start) * 1000)
            answer.raise_for_status()
    return latencies


def run(flood: Flood, src: str | None, seconds: float) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="sg-flood-"))
    env = {
        **os.environ,
        "SAFEGUARDING_DATABASE_URL": f"sqlite:///{folder}/flood.db",
        "SAFEGUARDING_TRUSTED_PROXIES": '["127.0.0.1"]',
    }
    if src:
        env["PYTHONPATH"] = src
    _cli(env, "db", "upgrade")
    token = json.loads(_cli(env, "keys", "create", "bench", "--scope", "banks:write", "--json"))[
        "token"
    ]
    _cli(env, "bank", "create", "flood")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "safeguarding.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(url)
        stop = multiprocessing.Event()
        results: Any = multiprocessing.Queue()
        workers = [
            multiprocessing.Process(target=_flooder, args=(url, i, flood.addresses, stop, results))
            for i in range(flood.clients)
        ]
        for worker in workers:
            worker.start()
        time.sleep(2 if workers else 0)  # the flood under way before timing starts
        started = time.monotonic()
        latencies = _writes(url, token, seconds)
        elapsed = time.monotonic() - started
        stop.set()
        counts = [results.get(timeout=120) for _ in workers]
        for worker in workers:
            worker.join()
    finally:
        server.terminate()
        server.wait()
    latencies.sort()
    attempts = sum(c["attempts"] for c in counts)
    return {
        "writes": len(latencies),
        "writes_per_s": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "max": latencies[-1],
        "attempts_per_s": attempts / (elapsed + 2),
        "refused": sum(c["refused"] for c in counts) / attempts if attempts else 0.0,
        "busy": sum(c["busy"] for c in counts) / attempts if attempts else 0.0,
    }


def _wait(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not start")
