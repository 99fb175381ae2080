"""The `threatexchange` kind against a fake Graph API on 127.0.0.1
(tests/fakes/threatexchange.py), on SQLite and PostgreSQL: first full fetch over cursor
pages, delta from the last update seen, `should_delete` tombstones (a person's entry stays),
a failure mid-pass resumed from the cursor (the access token never stored), the token
refused, malformed pages refused, the Graph rate limit honoured, and a checkpoint older than
the upstream keeps deletions refetching everything."""

from __future__ import annotations

import pytest

from safeguarding.engine import Engine
from safeguarding.errors import ExchangeError
from safeguarding.exchanges.kinds.threatexchange import REFETCH_SECONDS
from tests.exchanges.upstreams import (
    kind_fixtures,
    rate_limited,
    refuses_credentials,
    refuses_page,
    values,
)
from tests.fakes.threatexchange import FakeThreatExchange

PDQS = [f"{i:02x}" * 32 for i in range(0x11, 0x99, 0x11)]
MD5 = "0123456789abcdef0123456789abcdef"
SHA256 = "ab" * 32


@pytest.fixture
def fake() -> FakeThreatExchange:
    upstream = FakeThreatExchange()
    upstream.put("HASH_PDQ", PDQS[0], ["csam", "media_type_photo"], owners=2)
    upstream.put("HASH_VIDEO_MD5", MD5, ["csam"])
    upstream.put("URI", "https://example.org/x", ["spam"])
    upstream.put("HASH_SHA256", SHA256, [])
    upstream.put("HASH_PDQ", PDQS[1], ["csam"])
    return upstream


engine, lone = kind_fixtures("te", path="/v21.0")


def _add(engine: tuple[Engine, str], name: str = "te", token: str | None = None) -> Engine:
    instance, url = engine
    options = {
        "url": url,
        "privacy_group": FakeThreatExchange.privacy_group,
        "access_token": token or FakeThreatExchange.token,
    }
    instance.exchanges.add(name, "threatexchange", "te", options, "alice")
    return instance


def _values(engine: Engine) -> set[str]:
    return values(engine, "te")


def test_full_fetch_then_delta_and_deletions(
    engine: tuple[Engine, str], fake: FakeThreatExchange
) -> None:
    instance = _add(engine)
    first = instance.fetcher.fetch("te")
    counts = first.counts
    assert (first.pages, counts.fetched, counts.added, counts.skipped) == (3, 5, 4, 1)
    assert _values(instance) == {PDQS[0], PDQS[1], MD5, SHA256}
    entry = next(e for e in instance.banks.entries("te") if e.value == PDQS[0])
    descriptors = [d["id"] for d in fake.records[("HASH_PDQ", PDQS[0])]["descriptors"]["data"]]
    assert entry.source_ref == ",".join(descriptors) and entry.labels == [
        "csam",
        "media_type_photo",
    ]
    assert "start_time" not in fake.requests[0][2] and fake.requests[1][2]["after"] == "c2"
    checkpoint = instance.exchanges.get("te").checkpoint
    assert checkpoint is not None and (checkpoint["start"], checkpoint["after"]) == (fake.now, "")

    instance.banks.add_signals("te", [("pdq", PDQS[3], None)], "alice")  # a person's
    fake.delete("HASH_PDQ", PDQS[0])
    fake.put("HASH_PDQ", PDQS[2], ["csam"])
    fake.put("HASH_PDQ", PDQS[3], ["csam"])
    fake.delete("HASH_PDQ", PDQS[3])
    asked = len(fake.requests)
    delta = instance.fetcher.fetch("te")
    assert int(fake.requests[asked][2]["start_time"]) == fake.now - 4
    # the delta re-reads the last update of the pass before (start_time is inclusive)
    assert (delta.counts.added, delta.counts.removed) == (1, 1)
    assert _values(instance) == {PDQS[1], PDQS[2], PDQS[3], MD5, SHA256}


def test_a_failure_mid_pass_resumes_from_the_cursor(
    engine: tuple[Engine, str], fake: FakeThreatExchange
) -> None:
    instance = _add(engine)
    fake.fail_request = 2
    with pytest.raises(ExchangeError, match="HTTP 500"):
        instance.fetcher.fetch("te")
    stopped = instance.exchanges.get("te").checkpoint
    assert stopped is not None and stopped["after"] == "c2" and len(_values(instance)) == 2
    assert FakeThreatExchange.token not in str(stopped)  # the cursor, not the next URL
    resumed = instance.fetcher.fetch("te")
    assert fake.requests[2][2]["after"] == "c2"
    assert resumed.pages == 2 and len(_values(instance)) == 4


def test_the_token_refused(engine: tuple[Engine, str], fake: FakeThreatExchange) -> None:
    instance = _add(engine)
    instance.fetcher.fetch("te")
    _add(engine, "wrong", token="1234567890|not-the-secret")
    refuses_credentials(
        instance, "wrong", r"refused our credentials .*Graph error 190", "not-the-secret"
    )
    assert len(_values(instance)) == 4  # nothing lost


@pytest.mark.parametrize(
    "body",
    [
        b"<html>maintenance</html>",
        b'{"data": {}}',
        b'{"data": [], "paging": {"next": "https://graph.facebook.com/x"}}',
        b'{"data": [{"indicator": "x", "type": "HASH_PDQ", "last_updated": 5}]}',
        b'{"data": [{"indicator": "zz", "type": "HASH_PDQ", "should_delete": false,'
        b' "last_updated": 5, "descriptors": {"data": [{"id": "1"}]}}]}',
    ],
)
def test_a_malformed_page_is_refused(
    lone: tuple[Engine, str], fake: FakeThreatExchange, body: bytes
) -> None:
    refuses_page(_add(lone), fake, "te", "te", body)


def test_the_rate_limit_is_honoured(engine: tuple[Engine, str], fake: FakeThreatExchange) -> None:
    error, _ = rate_limited(_add(engine), fake, "te")
    assert "Graph error 4" in error
    assert len(fake.requests) == 1


def test_a_stale_checkpoint_refetches_all_and_withdraws_the_unlisted(
    engine: tuple[Engine, str], fake: FakeThreatExchange
) -> None:
    instance = _add(engine)
    instance.fetcher.fetch("te")
    # months pass; a deletion ThreatExchange no longer remembers: the record is gone
    del fake.records[("HASH_PDQ", PDQS[1])]
    stale = fake.now - REFETCH_SECONDS - 60
    with instance.db.write() as session:
        checkpoint = {"start": stale, "after": "", "fetched": stale}
        instance.exchanges.store.advance(session, "te", checkpoint, 0, 0, 0, 0)
    refetched = instance.fetcher.fetch("te")
    assert "start_time" not in fake.requests[-3][2]  # from the beginning
    assert refetched.counts.removed == 1 and PDQS[1] not in _values(instance)


def test_an_idle_group_is_not_refetched(
    engine: tuple[Engine, str], fake: FakeThreatExchange
) -> None:
    instance = _add(engine)
    instance.fetcher.fetch("te")
    # the group's latest update is months old, but we fetched it a moment ago
    checkpoint = instance.exchanges.get("te").checkpoint
    assert checkpoint is not None
    idle = {**checkpoint, "start": fake.now - REFETCH_SECONDS - 60}
    with instance.db.write() as session:
        instance.exchanges.store.advance(session, "te", idle, 0, 0, 0, 0)
    asked = len(fake.requests)
    instance.fetcher.fetch("te")
    assert fake.requests[asked][2]["start_time"] == str(idle["start"])
