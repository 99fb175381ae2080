"""Who is on the other end of a request: the address sign-in limits count against.

The connection's peer, unless the peer is one of `trusted_proxies`: then X-Forwarded-For
says who the proxy talked to. Each proxy appends the address it saw, so the list is read
from the right, past our own proxies, to the first address that is not one of them; the
entries further left are whatever the client chose to send, and are ignored. Behind no
trusted proxy the header is ignored altogether, so nobody can choose their own address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(entries: Iterable[str]) -> list[Network]:
    """`trusted_proxies` entries (addresses or CIDR ranges) as networks; ValueError names
    a bad one."""
    found = []
    for entry in entries:
        try:
            found.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"trusted_proxies: {entry!r} is not an IP address or network"
            ) from None
    return found


def client_address(
    peer: str | None, forwarded_for: Sequence[str], trusted: Sequence[Network]
) -> str:
    """The client's address. `forwarded_for`: every X-Forwarded-For header, in order."""
    current = peer or ""
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",")]
    while _trusted(current, trusted) and hops:
        candidate = hops.pop()
        if _parse(candidate) is None:
            break  # not an address: keep the last hop we can vouch for
        current = candidate
    return current


def _trusted(address: str, trusted: Sequence[Network]) -> bool:
    parsed = _parse(address)
    return parsed is not None and any(parsed in network for network in trusted)


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address)
    except ValueError:
        return None
