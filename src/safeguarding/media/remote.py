"""Fetching content from a URL a caller names (HMA's `?url=` forms), without becoming a
proxy into the private network.

A URL is a request to make a connection on the caller's behalf, so each one passes, in
order: http or https only; its host on the allow-list (the host itself or a subdomain of an
entry; an empty list refuses every URL); every address the host resolves to is public (not
private, loopback, link-local, shared, multicast, reserved or unspecified; an IPv4 address
inside IPv6 is judged as IPv4). The connection then goes to the address that was checked
(the Host header and TLS server name stay the host's), so a name that resolves to a public
address when checked and to 127.0.0.1 a moment later (DNS rebinding) is never connected to.
Redirects are followed here, at most `max_redirects`, each Location checked as a new URL.
The body is read up to `max_bytes` (a Content-Length over it is refused before reading),
uncompressed (`Accept-Encoding: identity`; an encoded body is refused, so no bomb is
inflated), within one deadline for the whole exchange.

The resolver and the address rule are parameters so tests can resolve a test name to a
chosen address and reach a fake on 127.0.0.1; `httpx.Client` is the outside call's seam.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from safeguarding.errors import InvalidInputError, MediaLimitError

#: host, port -> the addresses it resolves to (as strings)
Resolver = Callable[[str, int], list[str]]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise InvalidInputError("url", f"host {host!r} does not resolve ({exc})") from None
    return sorted({str(info[4][0]) for info in infos})


def is_public(address: Address) -> bool:
    """Whether a connection to `address` leaves the private network."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified
    )


@dataclass(frozen=True)
class Remote:
    data: bytes
    content_type: str
    url: str  # after redirects


def host_allowed(host: str, allowed: Sequence[str]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == a or host.endswith("." + a) for a in (x.lower().strip(".") for x in allowed))


class RemoteFetcher:
    def __init__(
        self,
        allowed_hosts: Sequence[str],
        max_bytes: int,
        *,
        client: httpx.Client | None = None,
        resolver: Resolver = system_resolver,
        address_ok: Callable[[Address], bool] = is_public,
        max_redirects: int = 5,
        timeout_seconds: float = 30.0,
    ) -> None:
        self.allowed_hosts = list(allowed_hosts)
        self.max_bytes = max_bytes
        self.client = client or httpx.Client(timeout=timeout_seconds)
        self.resolver = resolver
        self.address_ok = address_ok
        self.max_redirects = max_redirects
        self.timeout_seconds = timeout_seconds

    @property
    def enabled(self) -> bool:
        return bool(self.allowed_hosts)

    def fetch(self, url: str) -> Remote:
        deadline = time.monotonic() + self.timeout_seconds
        current = self._check(url)
        for _ in range(self.max_redirects + 1):
            target = self._pinned(current)
            try:
                with self.client.stream(
                    "GET",
                    target.url,
                    headers=target.headers,
                    extensions=target.extensions,
                    follow_redirects=False,
                ) as response:
                    if response.is_redirect and "location" in response.headers:
                        current = self._check(str(current.join(response.headers["location"])))
                        continue
                    if response.status_code >= 400:
                        raise InvalidInputError(
                            "url", f"the server answered {response.status_code} for {current}"
                        )
                    return Remote(
                        self._read(response, deadline), _content_type(response), str(current)
                    )
            except httpx.HTTPError as exc:
                raise InvalidInputError(
                    "url", f"could not fetch {current}: {type(exc).__name__}"
                ) from None
        raise InvalidInputError("url", f"more than {self.max_redirects} redirects")

    def _check(self, url: str) -> httpx.URL:
        if not self.enabled:
            raise InvalidInputError("url", "fetching URLs is off (hma_url_allowed_hosts is empty)")
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError):
            raise InvalidInputError("url", "not a URL") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise InvalidInputError("url", "only http and https URLs with a host are fetched")
        if not host_allowed(parsed.host, self.allowed_hosts):
            raise InvalidInputError("url", f"host {parsed.host!r} is not on the allow-list")
        return parsed

    def _pinned(self, url: httpx.URL) -> _Target:
        port = url.port or (443 if url.scheme == "https" else 80)
        addresses = self.resolver(url.host, port)
        if not addresses:
            raise InvalidInputError("url", f"host {url.host!r} does not resolve")
        parsed = []
        for text in addresses:
            address = ipaddress.ip_address(text)
            if not self.address_ok(address):
                # every address is checked: a name with one private address among public
                # ones could be connected to the private one by the next resolution
                raise InvalidInputError(
                    "url",
                    f"host {url.host!r} resolves to a private, loopback or link-local address",
                )
            parsed.append(address)
        first = parsed[0]
        host = f"[{first}]" if first.version == 6 else str(first)
        extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
        host_header = url.host if url.port is None else f"{url.host}:{url.port}"
        return _Target(
            url.copy_with(host=host.strip("[]")),
            {"Host": host_header, "Accept-Encoding": "identity"},
            extensions,
        )

    def _read(self, response: httpx.Response, deadline: float) -> bytes:
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            raise InvalidInputError("url", f"the server sent an encoded body ({encoding[:40]})")
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            raise MediaLimitError("remote bytes", int(declared), self.max_bytes)
        body = bytearray()
        for chunk in response.iter_raw():
            body += chunk
            if len(body) > self.max_bytes:
                raise MediaLimitError("remote bytes", len(body), self.max_bytes)
            if time.monotonic() > deadline:
                raise InvalidInputError("url", f"took longer than {self.timeout_seconds:g} s")
        return bytes(body)


@dataclass(frozen=True)
class _Target:
    url: httpx.URL
    headers: dict[str, str]
    extensions: dict[str, str]


def _content_type(response: httpx.Response) -> str:
    value: str = response.headers.get("content-type", "")
    return value.split(";")[0].strip().lower()
