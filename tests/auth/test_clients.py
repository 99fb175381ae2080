"""The client address sign-in limits count against."""

from __future__ import annotations

import pytest

from safeguarding.auth.clients import client_address, networks
from safeguarding.config import Settings

PROXIES = networks(["10.0.0.0/8", "2001:db8::/32"])


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.5", [], "203.0.113.5"),
        ("203.0.113.5", ["198.51.100.1"], "203.0.113.5"),  # not from a proxy we trust
        ("10.0.0.2", ["198.51.100.1"], "198.51.100.1"),
        ("10.0.0.2", ["192.0.2.66, 198.51.100.1"], "198.51.100.1"),  # the client's own entry
        ("10.0.0.2", ["198.51.100.1, 10.0.0.9"], "198.51.100.1"),  # two of our proxies
        ("10.0.0.2", ["192.0.2.66", "198.51.100.1"], "198.51.100.1"),  # two headers
        ("10.0.0.2", ["not-an-address, 198.51.100.1"], "198.51.100.1"),
        ("10.0.0.2", ["198.51.100.1, not-an-address"], "10.0.0.2"),  # garbage from the proxy
        ("10.0.0.2", ["10.0.0.3"], "10.0.0.3"),  # only proxies: the farthest one
        ("2001:db8::1", ["2001:db8:1::5, 2a00:1450::1"], "2a00:1450::1"),
        (None, ["198.51.100.1"], ""),
    ],
)
def test_client_address(peer: str | None, forwarded: list[str], expected: str) -> None:
    assert client_address(peer, forwarded, PROXIES) == expected


def test_bad_trusted_proxies_are_refused_at_start() -> None:
    with pytest.raises(ValueError, match="not-a-network"):
        Settings(trusted_proxies=["10.0.0.0/8", "not-a-network"])
