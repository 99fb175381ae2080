"""The URL fetcher: the allow-list, addresses checked after resolution (and connected to
as checked), redirects, the size limit. A fake server on 127.0.0.1 plays the remote host;
a resolver we inject maps test names to addresses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from safeguarding.errors import InvalidInputError, MediaLimitError
from safeguarding.media.remote import RemoteFetcher, host_allowed, is_public
from tests.fakes.media import MediaServer, loopback_plays_public

NAMES = {
    "media.test": "127.0.0.1",  # the fake server
    "cdn.media.test": "127.0.0.1",
    "internal.test": "10.1.2.3",
    "metadata.test": "169.254.169.254",
    "v6loop.test": "::1",
    "mapped.test": "::ffff:192.168.0.1",
}


def resolver(host: str, port: int) -> list[str]:
    return [NAMES[host]] if host in NAMES else []


@pytest.fixture
def server() -> Iterator[MediaServer]:
    media = MediaServer().start()
    yield media
    media.stop()


def fetcher(allowed: list[str], *, max_bytes: int = 10_000, strict: bool = False) -> RemoteFetcher:
    return RemoteFetcher(
        allowed,
        max_bytes,
        resolver=resolver,
        address_ok=is_public if strict else loopback_plays_public,
        timeout_seconds=5,
    )


def test_fetches_an_allowed_host_connecting_to_the_checked_address(server: MediaServer) -> None:
    server.serve("/cat.jpg", b"\xff\xd8jpeg bytes")
    remote = fetcher(["media.test"]).fetch(f"http://cdn.media.test:{server.port}/cat.jpg")
    assert remote.data == b"\xff\xd8jpeg bytes"
    assert remote.content_type == "image/jpeg"
    # connected to the address that was checked, with the host's name in the Host header
    assert server.requests == [("/cat.jpg", f"cdn.media.test:{server.port}")]


def test_off_by_default_and_hosts_off_the_list_are_refused(server: MediaServer) -> None:
    server.serve("/a", b"x")
    with pytest.raises(InvalidInputError, match="fetching URLs is off"):
        fetcher([]).fetch(f"http://media.test:{server.port}/a")
    with pytest.raises(InvalidInputError, match="not on the allow-list"):
        fetcher(["other.test"]).fetch(f"http://media.test:{server.port}/a")
    with pytest.raises(InvalidInputError, match="not on the allow-list"):
        fetcher(["media.test"]).fetch(f"http://evilmedia.test:{server.port}/a")
    with pytest.raises(InvalidInputError, match="only http and https"):
        fetcher(["media.test"]).fetch("file:///etc/passwd")
    assert server.requests == []


@pytest.mark.parametrize(
    "host", ["media.test", "internal.test", "metadata.test", "v6loop.test", "mapped.test"]
)
def test_private_loopback_and_link_local_addresses_are_refused(
    server: MediaServer, host: str
) -> None:
    server.serve("/a", b"x")
    with pytest.raises(InvalidInputError, match="private, loopback or link-local"):
        fetcher(["test"], strict=True).fetch(f"http://{host}:{server.port}/a")
    assert server.requests == []


def test_address_literals_are_checked_too(server: MediaServer) -> None:
    real = RemoteFetcher(["127.0.0.1", "169.254.169.254"], 100)  # the system resolver
    for url in (f"http://127.0.0.1:{server.port}/a", "http://169.254.169.254/latest/"):
        with pytest.raises(InvalidInputError, match="private, loopback or link-local"):
            real.fetch(url)
    assert server.requests == []


def test_a_redirect_to_a_private_address_is_refused(server: MediaServer) -> None:
    server.redirect("/hop", "http://internal.test/secret")
    with pytest.raises(InvalidInputError, match="private, loopback or link-local"):
        fetcher(["test"]).fetch(f"http://media.test:{server.port}/hop")
    server.redirect("/away", "http://elsewhere.example/x")
    with pytest.raises(InvalidInputError, match="not on the allow-list"):
        fetcher(["media.test"]).fetch(f"http://media.test:{server.port}/away")


def test_redirects_within_the_list_are_followed_and_bounded(server: MediaServer) -> None:
    server.serve("/final.jpg", b"done")
    server.redirect("/one", "/final.jpg")
    assert fetcher(["media.test"]).fetch(f"http://media.test:{server.port}/one").data == b"done"
    server.redirect("/loop", "/loop")
    with pytest.raises(InvalidInputError, match="more than 5 redirects"):
        fetcher(["media.test"]).fetch(f"http://media.test:{server.port}/loop")


def test_bodies_over_the_limit_are_refused(server: MediaServer) -> None:
    server.serve("/big", b"x" * 5000)
    with pytest.raises(MediaLimitError, match="remote bytes 5000 exceeds the limit of 1000"):
        fetcher(["media.test"], max_bytes=1000).fetch(f"http://media.test:{server.port}/big")
    # a server that does not say how long its body is: counted as it arrives
    server.unsized = True
    with pytest.raises(MediaLimitError, match="exceeds the limit of 1000"):
        fetcher(["media.test"], max_bytes=1000).fetch(f"http://media.test:{server.port}/big")
    assert fetcher(["media.test"]).fetch(f"http://media.test:{server.port}/big").data == b"x" * 5000


def test_upstream_errors_are_clear(server: MediaServer) -> None:
    with pytest.raises(InvalidInputError, match="answered 404"):
        fetcher(["media.test"]).fetch(f"http://media.test:{server.port}/missing")
    with pytest.raises(InvalidInputError, match="does not resolve"):
        fetcher(["test"]).fetch("http://unknown.test/a")
    server.routes["/gz"] = (200, {"Content-Encoding": "gzip"}, b"\x1f\x8b")
    with pytest.raises(InvalidInputError, match="encoded body"):
        fetcher(["media.test"]).fetch(f"http://media.test:{server.port}/gz")


def test_host_allowed_matches_the_host_and_its_subdomains_only() -> None:
    assert host_allowed("media.test", ["media.test"])
    assert host_allowed("a.b.media.test.", ["MEDIA.test"])
    assert not host_allowed("evilmedia.test", ["media.test"])
    assert not host_allowed("media.test.evil", ["media.test"])
