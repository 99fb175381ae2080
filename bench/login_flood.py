"""API write latency while clients flood the sign-in form, for `bench_hostile.py`.

A real server (`safeguarding serve`, SQLite, a loopback port) in its own process. One client
adds bank entries through the API one at a time (each a write transaction) and times them;
`flooders` processes post wrong passwords for an existing reviewer as fast as they can,
each first fetching the form for its CSRF cookie, as a browser would. They come from one
address, or each from its own (X-Forwarded-For, sent through 127.0.0.1, which the server
is told is a trusted proxy; packages without `trusted_proxies` ignore it).
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

PASSWORD = "correct horse battery staple"  # noqa: S105 (a throw-away benchmark account)


@dataclass(frozen=True)
class Flood:
    name: str
    clients: int
    own_addresses: bool


SCENARIOS = [Flood("none", 0, False), Flood("8 clients, one address", 8, False),
             Flood("8 clients, 8 addresses", 8, True)]


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "safeguarding.cli", *args], env=env,
                          capture_output=True, text=True, check=True)
    return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _flooder(url: str, address: str | None, stop: Event, results: Any) -> None:
    counts = {"attempts": 0, "refused": 0}
    headers = {"X-Forwarded-For": address} if address else {}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        while not stop.is_set():
            try:
                client.get("/login")
                answer = client.post("/login", data={
                    "username": "reviewer", "password": "wrong password, wrong",
                    "csrf_token": client.cookies.get("sg_login_csrf", "")})
            except httpx.HTTPError:
                continue
            counts["attempts"] += 1
            counts["refused"] += "too many" in answer.text
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
    env = {**os.environ, "SAFEGUARDING_DATABASE_URL": f"sqlite:///{folder}/flood.db",
           "SAFEGUARDING_TRUSTED_PROXIES": '["127.0.0.1"]', "SG_BENCH_PW": PASSWORD}
    if src:
        env["PYTHONPATH"] = src
    _cli(env, "db", "upgrade")
    token = json.loads(_cli(env, "keys", "create", "bench", "--scope", "banks:write",
                            "--json"))["token"]
    _cli(env, "users", "create", "reviewer", "--password-env", "SG_BENCH_PW")
    _cli(env, "bank", "create", "flood")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "safeguarding.cli", "serve", "--port",
                               str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        _wait(url)
        stop = multiprocessing.Event()
        results: Any = multiprocessing.Queue()
        workers = [multiprocessing.Process(target=_flooder, args=(
            url, f"198.51.100.{i + 1}" if flood.own_addresses else None, stop, results))
            for i in range(flood.clients)]
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
    return {"writes": len(latencies), "writes_per_s": len(latencies) / elapsed,
            "p50": statistics.median(latencies),
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
            "max": latencies[-1], "attempts_per_s": attempts / (elapsed + 2),
            "refused": sum(c["refused"] for c in counts) / attempts if attempts else 0.0}


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
