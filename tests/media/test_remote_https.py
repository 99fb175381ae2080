"""The URL fetcher over HTTPS: a fake server on 127.0.0.1 with a certificate for
`media.test` signed by a CA made here (cryptography). The fetcher trusts that CA through the
client it is given (its TLS configuration); verification is never turned off. The address is
pinned as over HTTP while the certificate is checked against the host's name (SNI): the
allow-list, addresses checked after resolution, redirects to private addresses, the size
limit, and an untrusted or wrong certificate."""

from __future__ import annotations

import datetime
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from safeguarding.errors import InvalidInputError, MediaLimitError
from safeguarding.media.remote import RemoteFetcher
from tests.fakes.media import MediaServer, loopback_plays_public

NAMES = {
    "media.test": "127.0.0.1",  # the fake server
    "cdn.media.test": "127.0.0.1",
    "other.test": "127.0.0.1",  # reaches the server, which has no certificate for it
    "loop.test": "127.0.0.2",  # loopback, not the fake's address
    "::1": "::1",
    "internal.test": "10.1.2.3",
    "metadata.test": "169.254.169.254",
}


def resolver(host: str, port: int) -> list[str]:
    return [NAMES[host]] if host in NAMES else []


@dataclass(frozen=True)
class Pki:
    ca_pem: bytes
    server: ssl.SSLContext


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_pki(folder: Path) -> Pki:
    """A CA and a server certificate for media.test and *.media.test, valid for a day."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("safeguarding test CA"))
        .issuer_name(_name("safeguarding test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("media.test"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("media.test"), x509.DNSName("*.media.test")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    chain = folder / "server.pem"
    chain.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        + leaf.public_bytes(serialization.Encoding.PEM)
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(chain)
    return Pki(ca.public_bytes(serialization.Encoding.PEM), server)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def server(pki: Pki) -> Iterator[MediaServer]:
    media = MediaServer().start(tls=pki.server)
    yield media
    media.stop()


def fetcher(
    pki: Pki, allowed: list[str], *, max_bytes: int = 10_000, trust: bool = True
) -> RemoteFetcher:
    """Trusting the test CA through the client's TLS context (full verification), or, with
    `trust=False`, the system's CAs only."""
    verify = ssl.create_default_context(cadata=pki.ca_pem.decode()) if trust else True
    return RemoteFetcher(
        allowed,
        max_bytes,
        client=httpx.Client(verify=verify, timeout=5),
        resolver=resolver,
        address_ok=loopback_plays_public,
        timeout_seconds=5,
    )


def test_an_allowed_host_is_fetched_over_verified_https(pki: Pki, server: MediaServer) -> None:
    server.serve("/cat.jpg", b"\xff\xd8jpeg bytes")
    remote = fetcher(pki, ["media.test"]).fetch(f"https://cdn.media.test:{server.port}/cat.jpg")
    assert remote.data == b"\xff\xd8jpeg bytes"
    assert remote.url == f"https://cdn.media.test:{server.port}/cat.jpg"
    # connected to the checked address, with the host's name in the Host header (and SNI)
    assert server.requests == [("/cat.jpg", f"cdn.media.test:{server.port}")]


def test_a_host_off_the_list_is_refused_before_connecting(pki: Pki, server: MediaServer) -> None:
    server.serve("/a", b"x")
    with pytest.raises(InvalidInputError, match="not on the allow-list"):
        fetcher(pki, ["other.test"]).fetch(f"https://media.test:{server.port}/a")
    with pytest.raises(InvalidInputError, match="fetching URLs is off"):
        fetcher(pki, []).fetch(f"https://media.test:{server.port}/a")
    assert server.requests == []


def test_a_redirect_to_a_loopback_or_private_address_is_refused(
    pki: Pki, server: MediaServer
) -> None:
    """Each Location is checked as a new URL after resolution: loopback (another loopback
    address than the fake's own, which the test rule lets play a public host, and IPv6's),
    private and link-local (cloud metadata) targets are refused, never connected to."""
    targets = [
        "https://loop.test/admin",
        "https://[::1]/admin",
        "https://internal.test/secret",
        "https://metadata.test/latest/meta-data/",
    ]
    for location in targets:
        server.redirect("/hop", location)
        with pytest.raises(InvalidInputError, match="private, loopback or link-local"):
            fetcher(pki, ["test", "::1"]).fetch(f"https://media.test:{server.port}/hop")
    assert [path for path, _ in server.requests] == ["/hop"] * len(targets)  # none followed
    server.serve("/final.jpg", b"done")
    server.redirect("/ok", "/final.jpg")  # within the list: followed, verified again
    assert fetcher(pki, ["media.test"]).fetch(f"https://media.test:{server.port}/ok").data == (
        b"done"
    )


def test_a_body_over_the_limit_is_refused(pki: Pki, server: MediaServer) -> None:
    server.serve("/big", b"x" * 5000)
    with pytest.raises(MediaLimitError, match="remote bytes 5000 exceeds the limit of 1000"):
        fetcher(pki, ["media.test"], max_bytes=1000).fetch(f"https://media.test:{server.port}/big")
    server.unsized = True  # no Content-Length: counted as it arrives
    with pytest.raises(MediaLimitError, match="exceeds the limit of 1000"):
        fetcher(pki, ["media.test"], max_bytes=1000).fetch(f"https://media.test:{server.port}/big")


def test_an_untrusted_or_wrong_certificate_is_refused(pki: Pki, server: MediaServer) -> None:
    server.serve("/a", b"x")
    with pytest.raises(InvalidInputError, match="could not fetch"):
        fetcher(pki, ["media.test"], trust=False).fetch(f"https://media.test:{server.port}/a")
    # other.test reaches the same server, whose certificate does not name it
    with pytest.raises(InvalidInputError, match="could not fetch"):
        fetcher(pki, ["other.test"]).fetch(f"https://other.test:{server.port}/a")
    assert server.requests == []  # no request was sent over an unverified connection
