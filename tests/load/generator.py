"""A cheap load generator for the load runs: raw HTTP/1.1 with keep-alive on asyncio
sockets, one event loop in one thread, so on a 2-core machine it takes a small share of
the cores it measures (threads of httpx clients took half a core to send 430 requests/s).

Each connection sends a request, reads the whole answer (status line, headers,
Content-Length body), records the latency and sends the next one. A refused or broken
connection is counted as a failure of its server and retried after a short pause, so a
killed server costs the generator little."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

#: `make(n)`: the n-th request's method, path, content type and body
Make = Callable[[int], tuple[str, str, str, bytes]]


@dataclass
class Outcome:
    """What a run saw: latencies of the 2xx/4xx answers, statuses, failures per server, the
    seconds it ran and the CPU seconds its thread used."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[str, list[str]] = field(default_factory=dict)
    answers: list[tuple[float, str, int, bytes]] = field(default_factory=list)
    seconds: float = 0.0
    cpu: float = 0.0

    def summary(self, what: str = "requests") -> str:
        ordered = sorted(self.latencies)
        if not ordered:
            return f"no {what} answered in {self.seconds:.1f} s"
        return (
            f"{len(ordered):,} {what} answered in {self.seconds:.1f} s: "
            f"{len(ordered) / self.seconds:,.1f}/s, p50 {ordered[len(ordered) // 2] * 1000:.1f} "
            f"ms, p99 {ordered[int(len(ordered) * 0.99)] * 1000:.1f} ms; load generator CPU "
            f"{self.cpu:.1f} s ({self.cpu / self.seconds:.2f} cores)"
        )


def request_bytes(base: str, method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    host = urlsplit(base).netloc
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    if length is None:
        raise ValueError("an answer without Content-Length")
    return status, await reader.readexactly(length)


class Generator:
    """`connections` keep-alive connections spread over `bases`, each sending `make(n)` with
    `headers` until `stop()`. `keep`: also keep every answer (time, base, status, body)."""

    def __init__(
        self,
        bases: list[str],
        make: Make,
        headers: dict[str, str],
        connections: int = 16,
        keep: bool = False,
    ) -> None:
        self.bases, self.make, self.headers = bases, make, headers
        self.connections, self.keep = connections, keep
        self.outcome = Outcome(failures={b: [] for b in bases})
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Generator:
        self._thread.start()
        return self

    def stop(self) -> Outcome:
        self._halt.set()
        self._thread.join()
        return self.outcome

    def _run(self) -> None:
        cpu, began = time.thread_time(), time.monotonic()
        asyncio.run(self._all())
        self.outcome.seconds = time.monotonic() - began
        self.outcome.cpu = time.thread_time() - cpu

    async def _all(self) -> None:
        await asyncio.gather(*(self._connection(i) for i in range(self.connections)))

    async def _connection(self, worker: int) -> None:
        base = self.bases[worker % len(self.bases)]
        split = urlsplit(base)
        out = self.outcome
        n = worker
        writer: asyncio.StreamWriter | None = None
        while not self._halt.is_set():
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(split.hostname, split.port)
                method, path, kind, body = self.make(n)
                headers = {**self.headers, "Content-Type": kind}
                began = time.perf_counter()
                writer.write(request_bytes(base, method, path, headers, body))
                status, answer = await _answer(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                out.failures[base].append(type(exc).__name__)
                if writer is not None:
                    writer.close()
                writer = None
                await asyncio.sleep(0.01)
                continue
            n += self.connections
            out.statuses[status] += 1
            if self.keep:
                out.answers.append((time.monotonic(), base, status, answer))
            if status >= 500:
                out.failures[base].append(str(status))
            else:
                out.latencies.append(time.perf_counter() - began)
        if writer is not None:
            writer.close()
