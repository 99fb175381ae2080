"""`safeguarding serve` as a real process on a loopback port, driven with httpx."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from safeguarding.demo import generated_image

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_demo_over_http(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "SAFEGUARDING_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "safeguarding.cli",
            "serve",
            "--demo",
            "--port",
            str(port),
            "--demo-dir",
            str(tmp_path / "no-photos-here"),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            try:
                if httpx.get(f"{base}/v1/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not become ready"
            time.sleep(0.2)
        assert process.stderr is not None
        token = ""
        while not token:
            line = process.stderr.readline()
            found = re.search(r"(sg_[a-z0-9]{12}_[A-Za-z0-9_-]{43})", line)
            token = found.group(1) if found else ""
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            banks = client.get("/v1/banks").json()
            # 20 pictures x (PDQ, two centre-crop PDQs, MD5, SHA-256)
            assert banks[0]["name"] == "demo" and banks[0]["entry_count"] == 100
            # the portal's banks exist from the start, before any self-report
            made = {b["name"]: (b["source"], b["entry_count"]) for b in banks}
            assert made["self-report"] == made["self-report-approved"] == ("self_report", 0)
            hit = client.post("/v1/match", files={"file": ("x.jpg", generated_image(3))}).json()
            assert hit["results"][0]["matched"] is True
            miss = client.post("/v1/match", files={"file": ("y.jpg", generated_image(77))})
            assert miss.json()["results"][0]["matched"] is False
            assert client.get("/v1/banks", headers={"Authorization": "Bearer x"}).status_code == 401
    finally:
        process.terminate()
        process.communicate(timeout=20)
