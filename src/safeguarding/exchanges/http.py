"""Bounded HTTP for exchanges: every upstream is an outside party that may be broken or
hostile, so each request has a deadline for the whole body (not only per read: a server
dripping a byte every 29 s never trips a read timeout), a cap on the bytes after
decompression (a 1 MB gzip of zeros is 1 GB), and no redirects.

Bodies are read with `iter_raw` and decompressed here, chunk by chunk with zlib's
`max_length`, so no more than 1 MiB is ever inflated past the cap; encodings other than
gzip and deflate are refused. Outside calls take an `httpx.Client`: tests give it a
transport or point it at a fake on 127.0.0.1.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

import httpx

from safeguarding.errors import ExchangeError

_STEP = 1024 * 1024  # most bytes inflated by one zlib call


@dataclass(frozen=True)
class HttpLimits:
    max_bytes: int
    timeout_seconds: float


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes


def _inflater(encoding: str, exchange: str) -> Callable[[bytes, int], bytes] | None:
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise ExchangeError(
            f"upstream sent Content-Encoding {encoding[:40]!r}; only gzip and deflate are read",
            exchange=exchange,
        )
    # gzip: a gzip header; deflate: zlib-wrapped (or, from broken servers, raw: tried below)
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS if "gzip" in encoding else zlib.MAX_WBITS)

    def inflate(chunk: bytes, room: int) -> bytes:
        out = bytearray()
        data = chunk
        while data:
            try:
                piece = inflater.decompress(data, min(_STEP, room - len(out) + 1))
            except zlib.error as exc:
                raise ExchangeError(
                    f"a body that does not decompress: {exc}", exchange=exchange
                ) from None
            out += piece
            if len(out) > room:
                break
            data = inflater.unconsumed_tail
        return bytes(out)

    return inflate


class BoundedHttp:
    def __init__(self, client: httpx.Client, limits: HttpLimits) -> None:
        self.client = client
        self.limits = limits

    @contextmanager
    def _stream(
        self,
        url: str,
        headers: Mapping[str, str],
        params: Mapping[str, str],
        exchange: str,
        *,
        method: str = "GET",
        content: bytes | None = None,
    ) -> Iterator[tuple[httpx.Response, Iterator[bytes]]]:
        deadline = time.monotonic() + self.limits.timeout_seconds
        try:
            with self.client.stream(
                method,
                url,
                headers={**headers, "Accept-Encoding": "gzip, deflate"},
                params=params,
                content=content,
                follow_redirects=False,
            ) as response:
                yield response, self._body(response, deadline, exchange)
        except httpx.TimeoutException:
            raise ExchangeError(f"{_where(url)} timed out", exchange=exchange) from None
        except httpx.HTTPError as exc:
            raise ExchangeError(
                f"{_where(url)}: {type(exc).__name__}: {exc}", exchange=exchange
            ) from None

    def _body(self, response: httpx.Response, deadline: float, exchange: str) -> Iterator[bytes]:
        inflate = _inflater(response.headers.get("content-encoding", ""), exchange)
        total = 0
        cap = self.limits.max_bytes
        for raw in response.iter_raw():  # as received: a chunk size would wait to fill it
            if time.monotonic() > deadline:
                raise ExchangeError(
                    f"the response took longer than {self.limits.timeout_seconds:g} s",
                    exchange=exchange,
                )
            data = inflate(raw, cap - total) if inflate else raw
            total += len(data)
            if total > cap:
                raise ExchangeError(
                    f"the response is larger than {cap} bytes (exchange_max_bytes)",
                    exchange=exchange,
                )
            yield data

    def get(
        self,
        url: str,
        *,
        exchange: str,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Answer:
        """The whole answer, its body capped."""
        with self._stream(url, headers or {}, params or {}, exchange) as (response, body):
            data = b"".join(body)
            return Answer(response.status_code, dict(response.headers), data)

    def send(
        self,
        method: str,
        url: str,
        content: bytes,
        content_type: str,
        *,
        exchange: str,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """`method` (POST, PUT) with a body (feedback upstream, a login); the whole answer,
        its body capped."""
        sent = {**(headers or {}), "Content-Type": content_type}
        with self._stream(url, sent, {}, exchange, method=method, content=content) as (
            response,
            answer,
        ):
            return Answer(response.status_code, dict(response.headers), b"".join(answer))

    def post_json(
        self,
        url: str,
        body: object,
        *,
        exchange: str,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """POST `body` as JSON; the whole answer, its body capped."""
        content = json.dumps(body, separators=(",", ":")).encode()
        return self.send(
            "POST", url, content, "application/json", exchange=exchange, headers=headers
        )

    def download(
        self, url: str, sink: IO[bytes], *, exchange: str, headers: Mapping[str, str] | None = None
    ) -> None:
        """Stream a 200 answer's body into `sink`; any other status is an ExchangeError."""
        with self._stream(url, headers or {}, {}, exchange) as (response, body):
            check_status(response.status_code, dict(response.headers), exchange)
            for data in body:
                sink.write(data)


def _shown(retry_after: str) -> str:
    """A Retry-After for an error message: seconds as "N s", an HTTP date as sent (bounded)."""
    value = retry_after.strip()[:40]
    return f"{value} s" if value.isdigit() else value


def check_status(status: int, headers: Mapping[str, str], exchange: str) -> None:
    if status == 200:
        return
    if status in (401, 403):
        raise ExchangeError(
            f"the upstream refused our credentials (HTTP {status})", exchange=exchange
        )
    after = headers.get("retry-after")
    if status == 429:
        raise ExchangeError(
            "rate limited by the upstream (HTTP 429"
            + (f", retry after {_shown(after)})" if after else ")"),
            exchange=exchange,
            retry_after=after,
        )
    if 300 <= status < 400:
        raise ExchangeError(
            f"redirected (HTTP {status}); redirects are not followed: configure the final URL",
            exchange=exchange,
        )
    raise ExchangeError(
        f"the upstream answered HTTP {status}",
        exchange=exchange,
        retry_after=after if status == 503 else None,
    )


def _where(url: str) -> str:
    return httpx.URL(url).copy_with(query=None).__str__()[:200]
