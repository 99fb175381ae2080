"""The `stopncii` kind against the fake FetchHashes (tests/fakes/stopncii.py) on 127.0.0.1,
on SQLite and PostgreSQL: first full fetch over pages, delta since the last pass,
withdrawals leaving the bank (a person's entry stays), every hash labelled a self-report
so a confirmation never copies it into the confirmed bank, a failure mid-pass resumed from the
page token, credentials refused, a malformed page refused, and rate limiting honoured by the
worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from safeguarding.banks.model import SELF_REPORTED
from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.errors import ExchangeError
from safeguarding.exchanges.vault import new_key
from safeguarding.matching.matcher import QuerySignal
from tests.exchanges.upstreams import rate_limited, refuses_credentials, refuses_page
from tests.exchanges.verdicts import decide, verdict_engine
from tests.fakes.loopback import Loopback
from tests.fakes.stopncii import FakeStopNcii
from tests.selfreport.test_provenance import confirmed

PDQS = [f"{i:02x}" * 32 for i in range(0x11, 0x99, 0x11)]
MD5 = "0123456789abcdef0123456789abcdef"
KEYS = {"subscription_key": "sub-key", "fetch_key": "fetch-key"}


@pytest.fixture
def fake() -> FakeStopNcii:
    upstream = FakeStopNcii()
    upstream.put("ImagePDQ", PDQS[0], ["case-1"])
    upstream.put("ImagePDQ", PDQS[1], ["case-2", "case-3"])
    upstream.put("VideoMD5", MD5, ["case-4"])
    upstream.put("VideoTMK", "tmk-value", ["case-5"])
    upstream.put("ImagePDQ", PDQS[2], ["case-6"])
    return upstream


@pytest.fixture
def engine(db_url: str, fake: FakeStopNcii) -> Iterator[Engine]:
    instance = Engine(
        Settings(database_url=db_url, exchange_key=new_key(), index_refresh_seconds=0.01)
    )
    instance.fetcher.page_size = 2
    instance.banks.create_bank("ncii", "test")
    yield instance
    instance.close()


@pytest.fixture
def upstream(fake: FakeStopNcii) -> Iterator[str]:
    """The fake's base URL on 127.0.0.1."""
    with Loopback(fake.app()) as server:
        yield f"{server.url}/v1"


def _add(engine: Engine, url: str, name: str = "stopncii", **keys: str) -> None:
    engine.exchanges.add(name, "stopncii", "ncii", {"url": url, **KEYS, **keys}, "alice")


def _values(engine: Engine) -> set[str]:
    return {e.value for e in engine.banks.entries("ncii", limit=1000)}


def test_full_fetch_then_delta_and_withdrawals(
    engine: Engine, fake: FakeStopNcii, upstream: str
) -> None:
    _add(engine, upstream)
    first = engine.fetcher.fetch("stopncii")
    assert (first.pages, first.counts.fetched, first.counts.added, first.counts.skipped) == (
        3,
        5,
        4,
        1,
    )
    assert _values(engine) == {PDQS[0], PDQS[1], PDQS[2], MD5}
    entry = next(e for e in engine.banks.entries("ncii") if e.value == PDQS[1])
    assert (entry.source_ref, entry.added_by) == ("case-2,case-3", "exchange:stopncii")
    asked = fake.requests[0]
    assert asked.url.params["startTimestamp"] == "10" and asked.url.params["pageSize"] == "2"
    after_first = fake.now + 1
    assert engine.exchanges.get("stopncii").checkpoint == {"start": after_first, "token": ""}

    engine.banks.add_signals("ncii", [("pdq", PDQS[5], None)], "alice")  # a person's
    fake.put("ImagePDQ", PDQS[0], ["case-1"], status="Withdrawn")
    fake.put("ImagePDQ", PDQS[3], ["case-7"])
    fake.put("ImagePDQ", PDQS[5], ["case-8"])
    fake.put("ImagePDQ", PDQS[5], ["case-8"], status="Deleted")
    delta = engine.fetcher.fetch("stopncii")
    assert fake.requests[3].url.params["startTimestamp"] == str(after_first)
    assert (delta.counts.fetched, delta.counts.added, delta.counts.removed) == (3, 1, 1)
    assert _values(engine) == {PDQS[1], PDQS[2], PDQS[3], PDQS[5], MD5}
    engine.matcher.load()
    assert engine.fetcher.fetch("stopncii").counts.fetched == 0  # nothing changed since


def test_stopncii_hashes_are_self_reports_and_never_confirmed(
    db_url: str, fake: FakeStopNcii, upstream: str
) -> None:
    engine = verdict_engine(db_url)
    try:
        engine.banks.create_bank("ncii", "test")
        _add(engine, upstream)
        engine.fetcher.fetch("stopncii")
        assert {e.value: e.labels for e in engine.banks.entries("ncii")} == {
            v: [SELF_REPORTED] for v in (PDQS[0], PDQS[1], PDQS[2], MD5)
        }
        case_id = decide(engine, PDQS[1], "confirm")
        assert engine.cases.get(case_id).decision is not None  # the decision stands
        assert confirmed(engine) == set()
        fake.put("ImagePDQ", PDQS[1], ["case-2", "case-3"], status="Withdrawn")
        engine.fetcher.fetch("stopncii")
        engine.matcher.refresh()
        assert not engine.match_signals([QuerySignal("pdq", PDQS[1], 100)]).matched
    finally:
        engine.close()


def test_a_failure_mid_pass_resumes_from_the_page_token(
    engine: Engine, fake: FakeStopNcii, upstream: str
) -> None:
    _add(engine, upstream)
    fake.fail_request = 2
    with pytest.raises(ExchangeError, match="HTTP 500"):
        engine.fetcher.fetch("stopncii")
    stopped = engine.exchanges.get("stopncii")
    assert stopped.checkpoint == {"start": 10, "token": "t1"} and len(_values(engine)) == 2
    resumed = engine.fetcher.fetch("stopncii")
    assert fake.requests[2].url.params["nextPageToken"] == "t1"
    assert resumed.counts.fetched == 3 and len(_values(engine)) == 4


def test_credentials_refused(engine: Engine, fake: FakeStopNcii, upstream: str) -> None:
    _add(engine, upstream)
    engine.fetcher.fetch("stopncii")
    _add(engine, upstream, "wrong", fetch_key="not-the-key")
    refuses_credentials(engine, "wrong", r"refused our credentials \(HTTP 401\)", "not-the-key")
    assert len(_values(engine)) == 4  # nothing lost


@pytest.mark.parametrize(
    "body",
    [
        b"<html>maintenance</html>",
        b'{"hashRecords": {}, "hasMoreRecords": false}',
        b'{"hashRecords": [], "hasMoreRecords": true}',
        b'{"hashRecords": [{"signalType": "ImagePDQ"}], "hasMoreRecords": false, '
        b'"nextSetTimestamp": 5}',
    ],
)
def test_a_malformed_page_is_refused(
    engine: Engine, fake: FakeStopNcii, upstream: str, body: bytes
) -> None:
    _add(engine, upstream)
    refuses_page(engine, fake, "stopncii", "ncii", body, "malformed FetchHashes page")


def test_rate_limiting_is_honoured(engine: Engine, fake: FakeStopNcii, upstream: str) -> None:
    _add(engine, upstream)
    _, limited = rate_limited(engine, fake, "stopncii")
    assert limited.next_fetch_at and limited.last_fetch_at
    assert (limited.next_fetch_at - limited.last_fetch_at).total_seconds() >= 30
    assert len(fake.requests) == 1
