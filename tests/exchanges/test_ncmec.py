"""The `ncmec` kind against a fake of NCMEC's hash-sharing API on 127.0.0.1
(tests/fakes/ncmec.py), on SQLite and PostgreSQL: first full fetch over XML pages, delta
since the last pass, deletions (by entry id) leaving the bank and the index (a person's
entry stays), a failure mid-pass resumed from the page path, credentials refused, malformed
or hostile XML refused (DTDs, entities, a next page on another host), and rate limiting
honoured by the worker."""

from __future__ import annotations

import gzip

import pytest

from safeguarding.engine import Engine
from safeguarding.errors import ExchangeError
from safeguarding.exchanges.http import HttpLimits
from safeguarding.matching.matcher import QuerySignal
from tests.exchanges.upstreams import (
    kind_fixtures,
    rate_limited,
    refuses_credentials,
    refuses_page,
    values,
)
from tests.fakes.ncmec import FakeNcmec

PDQS = [f"{i:02x}" * 32 for i in range(0x11, 0x99, 0x11)]
MD5S = ["a1" * 16, "b1" * 16, "c1" * 16]
KEYS = {"username": "esp-user", "password": "esp-pass"}


@pytest.fixture
def fake() -> FakeNcmec:
    upstream = FakeNcmec(page_size=2)
    upstream.put("image1", {"md5": MD5S[0], "sha1": "a1" * 20, "pdq": PDQS[0]})
    upstream.put("video1", {"md5": MD5S[1], "tmk-pdqf": ""}, kind="video", classification=None)
    upstream.put("image2", {"pdq": PDQS[1]}, member=43)
    return upstream


engine, lone = kind_fixtures("csam")


def _add(engine: tuple[Engine, str], name: str = "ncmec", **keys: str) -> Engine:
    instance, url = engine
    instance.exchanges.add(name, "ncmec", "csam", {"url": url, **KEYS, **keys}, "alice")
    return instance


def _values(engine: Engine) -> set[str]:
    return values(engine, "csam")


def _matches(engine: Engine, signal_type: str, value: str) -> bool:
    engine.matcher.refresh()
    return engine.match_signals([QuerySignal(signal_type, value, 100)]).matched


def test_full_fetch_then_delta_and_deletions(engine: tuple[Engine, str], fake: FakeNcmec) -> None:
    instance = _add(engine)
    first = instance.fetcher.fetch("ncmec")
    counts = first.counts
    assert (first.pages, counts.fetched, counts.added, counts.skipped) == (2, 6, 4, 2)
    assert _values(instance) == {MD5S[0], MD5S[1], PDQS[0], PDQS[1]}
    entry = next(e for e in instance.banks.entries("csam") if e.value == PDQS[0])
    assert (entry.source_ref, entry.added_by, entry.labels) == (
        "42/image1",
        "exchange:ncmec",
        ["ncmec:A1"],
    )
    _, path, query = fake.requests[0]
    assert (path, query["from"]) == ("/v2/entries", "1970-01-01T00:00:00Z")
    assert fake.requests[1][2]["start"] == "3"  # the page path NCMEC gave
    checkpoint = instance.exchanges.get("ncmec").checkpoint
    assert checkpoint is not None and set(checkpoint) == {"from", "next"}
    assert checkpoint["next"] == ""
    assert _matches(instance, "md5", MD5S[0])

    instance.banks.add_signals("csam", [("pdq", PDQS[3], None)], "alice")  # a person's
    fake.put("image3", {"pdq": PDQS[3]})
    fake.put("image4", {"pdq": PDQS[2]})
    fake.delete("image1")  # a tombstone names the entry, not its hashes
    fake.delete("image3")
    asked = len(fake.requests)
    delta = instance.fetcher.fetch("ncmec")
    assert fake.requests[asked][2]["from"] != "1970-01-01T00:00:00Z"
    assert delta.counts.removed == 2 and delta.counts.added == 1
    assert _values(instance) == {MD5S[1], PDQS[1], PDQS[2], PDQS[3]}
    assert not _matches(instance, "md5", MD5S[0])  # gone from the index too
    assert _matches(instance, "pdq", PDQS[3])


def test_a_hash_two_entries_list_stays_until_both_are_deleted(
    engine: tuple[Engine, str], fake: FakeNcmec
) -> None:
    instance = _add(engine)
    fake.put("image9", {"md5": MD5S[0]}, member=43)  # another member shares image1's MD5
    instance.fetcher.fetch("ncmec")
    # the later entry goes first: the claim's upstream id names it, yet image1 still lists
    # the hash
    fake.delete("image9")
    instance.fetcher.fetch("ncmec")
    assert MD5S[0] in _values(instance) and _matches(instance, "md5", MD5S[0])
    fake.delete("image1")
    instance.fetcher.fetch("ncmec")
    assert not {MD5S[0], PDQS[0]} & _values(instance)
    assert not _matches(instance, "md5", MD5S[0])


def test_a_failure_mid_pass_resumes_from_the_page_path(
    engine: tuple[Engine, str], fake: FakeNcmec
) -> None:
    instance = _add(engine)
    fake.page_size = 1
    fake.fail_request = 2
    with pytest.raises(ExchangeError, match="HTTP 500"):
        instance.fetcher.fetch("ncmec")
    stopped = instance.exchanges.get("ncmec").checkpoint
    assert stopped is not None and "start=2" in stopped["next"]
    assert _values(instance) == {MD5S[0], PDQS[0]}  # the first page in, the second out
    resumed = instance.fetcher.fetch("ncmec")
    assert (
        fake.requests[2][2]["start"] == "2"
        and fake.requests[2][2]["to"] == (fake.requests[0][2]["to"])
    )  # the same range
    assert resumed.pages == 2 and len(_values(instance)) == 4


def test_credentials_refused(engine: tuple[Engine, str], fake: FakeNcmec) -> None:
    instance = _add(engine)
    instance.fetcher.fetch("ncmec")
    _add(engine, "wrong", password="not-the-password")
    refuses_credentials(
        instance, "wrong", r"refused our credentials \(HTTP 401\)", "not-the-password"
    )
    assert len(_values(instance)) == 4  # nothing lost


ENTRY = (
    '<image><member id="42">M</member><id>x</id><fingerprints><md5>{md5}</md5>'
    "</fingerprints></image>"
)
PAGE = '<queryResult xmlns="https://hashsharing.ncmec.org/hashsharing/v2"><images>{}</images>{}'


@pytest.mark.parametrize(
    "body",
    [
        b"<html>maintenance</html>",
        b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        b"<queryResult><images>&lol2;</images></queryResult>",
        b'<!DOCTYPE queryResult [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<queryResult>&x;</queryResult>",
        (PAGE.format(ENTRY.format(md5=MD5S[2]), "")).encode(),  # truncated mid-document
        (
            PAGE.format("<image><fingerprints><md5>{MD5S[2]}</md5></fingerprints></image>", "")
            + "</queryResult>"
        ).encode(),
        (
            PAGE.format(
                ENTRY.format(md5=MD5S[2]),
                "<paging><next>//evil.example/v2/entries?start=3</next></paging>",
            )
            + "</queryResult>"
        ).encode(),
        (PAGE.format(ENTRY.format(md5="not-an-md5"), "") + "</queryResult>").encode(),
    ],
)
def test_a_malformed_page_is_refused(
    lone: tuple[Engine, str], fake: FakeNcmec, body: bytes
) -> None:
    refuses_page(_add(lone), fake, "ncmec", "csam", body)


def test_rate_limiting_is_honoured(engine: tuple[Engine, str], fake: FakeNcmec) -> None:
    _, limited = rate_limited(_add(engine), fake, "ncmec")
    assert limited.next_fetch_at and limited.last_fetch_at
    assert (limited.next_fetch_at - limited.last_fetch_at).total_seconds() >= 45
    assert len(fake.requests) == 1


def test_an_absurd_page_stops_at_the_cap(lone: tuple[Engine, str], fake: FakeNcmec) -> None:
    instance = _add(lone)
    instance.fetcher.limits = HttpLimits(64 * 1024, instance.fetcher.limits.timeout_seconds)
    fake.broken = (PAGE.format(ENTRY.format(md5=MD5S[2]) * 5000, "") + "</queryResult>").encode()
    with pytest.raises(ExchangeError, match="larger than 65536 bytes"):
        instance.fetcher.fetch("ncmec")
    assert instance.exchanges.get("ncmec").checkpoint is None and _values(instance) == set()


def test_a_gzip_bomb_stops_at_the_cap(lone: tuple[Engine, str], fake: FakeNcmec) -> None:
    instance = _add(lone)
    instance.fetcher.limits = HttpLimits(1_000_000, instance.fetcher.limits.timeout_seconds)
    fake.broken = gzip.compress(b"<queryResult>" + b" " * 50_000_000, compresslevel=1)
    fake.broken_encoding = "gzip"
    with pytest.raises(ExchangeError, match="larger than 1000000 bytes"):
        instance.fetcher.fetch("ncmec")
    assert instance.exchanges.get("ncmec").checkpoint is None


def test_a_slow_upstream_hits_the_deadline(lone: tuple[Engine, str], fake: FakeNcmec) -> None:
    instance = _add(lone)
    instance.fetcher.limits = HttpLimits(instance.fetcher.limits.max_bytes, 0.5)
    fake.drip = True  # a byte every 0.1 s: no read ever times out, the whole body does
    with pytest.raises(ExchangeError, match=r"took longer than 0\.5 s"):
        instance.fetcher.fetch("ncmec")
    assert instance.exchanges.get("ncmec").failing and _values(instance) == set()
