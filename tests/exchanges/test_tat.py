"""The `tat` kind against a fake of Tech Against Terrorism's hash list on 127.0.0.1
(tests/fakes/tat.py), on SQLite and PostgreSQL: first full fetch over pages, delta after
the checkpoint, `deleted` tombstones (a person's entry stays), a failure mid-pass resumed
from the last page's checkpoint, a token lapsing mid-pass renewed, the login refused,
malformed pages refused, and rate limiting honoured by the worker."""

from __future__ import annotations

import pytest

from safeguarding.engine import Engine
from safeguarding.errors import ExchangeError
from safeguarding.exchanges.kinds.tat import Tat
from tests.exchanges.upstreams import (
    kind_fixtures,
    rate_limited,
    refuses_credentials,
    refuses_page,
    values,
)
from tests.fakes.tat import FakeTat

PDQS = [f"{i:02x}" * 32 for i in range(0x11, 0x99, 0x11)]
MD5 = "0123456789abcdef0123456789abcdef"
KEYS = {"username": "tcap-user", "password": "tcap-pass"}


@pytest.fixture
def fake() -> FakeTat:
    upstream = FakeTat()
    upstream.put("PDQ", PDQS[0])
    upstream.put("MD5", MD5, ideology="far-right")
    upstream.put("TMK", "tmk-value")
    upstream.put("PDQ", PDQS[1])
    upstream.put("PDQ", PDQS[2])
    return upstream


engine, lone = kind_fixtures("tve")


def _add(engine: tuple[Engine, str], name: str = "tat", **keys: str) -> Engine:
    instance, url = engine
    instance.exchanges.add(name, "tat", "tve", {"url": url, **KEYS, **keys}, "alice")
    return instance


def _values(engine: Engine) -> set[str]:
    return values(engine, "tve")


def _listed(fake: FakeTat) -> list[dict[str, str]]:
    return [q for _, path, q in fake.requests if path.endswith("/all")]


def test_full_fetch_then_delta_and_deletions(engine: tuple[Engine, str], fake: FakeTat) -> None:
    instance = _add(engine)
    first = instance.fetcher.fetch("tat")
    counts = first.counts
    assert (first.pages, counts.fetched, counts.added, counts.skipped) == (3, 5, 4, 1)
    assert _values(instance) == {PDQS[0], PDQS[1], PDQS[2], MD5}
    entry = next(e for e in instance.banks.entries("tve") if e.value == MD5)
    assert (entry.source_ref, entry.labels) == (str(fake.records[MD5]["id"]), ["tat:far-right"])
    asked = _listed(fake)
    # the second page starts after the first page's last record (MD5's)
    assert "after" not in asked[0] and asked[1]["after"].endswith(f",{fake.records[MD5]['id']}")
    last = fake.records[PDQS[2]]
    checkpoint = f"{last['updated_on']},{last['id']}"
    assert instance.exchanges.get("tat").checkpoint == {"after": checkpoint}

    instance.banks.add_signals("tve", [("pdq", PDQS[3], None)], "alice")  # a person's
    fake.delete(PDQS[0])
    fake.put("PDQ", PDQS[3])
    fake.delete(PDQS[3])
    fake.put("PDQ", PDQS[4])
    delta = instance.fetcher.fetch("tat")
    assert _listed(fake)[len(asked)]["after"] == checkpoint
    assert (delta.counts.fetched, delta.counts.added, delta.counts.removed) == (3, 1, 1)
    assert _values(instance) == {PDQS[1], PDQS[2], PDQS[3], PDQS[4], MD5}
    assert instance.fetcher.fetch("tat").counts.fetched == 0  # nothing changed since


def test_a_failure_mid_pass_resumes_from_the_checkpoint(
    engine: tuple[Engine, str], fake: FakeTat
) -> None:
    instance = _add(engine)
    fake.fail_request = 3  # login, page 1, page 2
    with pytest.raises(ExchangeError, match="HTTP 500"):
        instance.fetcher.fetch("tat")
    stopped = instance.exchanges.get("tat").checkpoint
    assert stopped is not None and len(_values(instance)) == 2
    resumed = instance.fetcher.fetch("tat")
    assert _listed(fake)[-2]["after"] == stopped["after"]
    assert resumed.pages == 2 and len(_values(instance)) == 4


def test_a_token_lapsing_mid_pass_is_renewed(engine: tuple[Engine, str], fake: FakeTat) -> None:
    instance = _add(engine)
    source = instance.fetcher.source(instance.exchanges.get("tat"))
    pages = Tat.pages(source, None)
    next(pages)
    fake.expire_tokens()
    assert next(pages).updates  # logged in again and carried on
    logins = [p for _, p, _ in fake.requests if p.startswith("/token-auth")]
    assert len(logins) == 2


def test_the_login_refused(engine: tuple[Engine, str], fake: FakeTat) -> None:
    instance = _add(engine)
    instance.fetcher.fetch("tat")
    _add(engine, "wrong", password="not-the-password")
    refuses_credentials(
        instance, "wrong", r"refused our credentials \(HTTP 401\)", "not-the-password"
    )
    assert len(_values(instance)) == 4  # nothing lost


@pytest.mark.parametrize(
    "body",
    [
        b"<html>maintenance</html>",
        b'{"results": {}}',
        b'{"results": [], "next": "https://elsewhere.example/x", "checkpoint": ""}',
        b'{"results": [{"hash_digest": "x", "algorithm": "PDQ"}], "checkpoint": "1,2"}',
        b'{"results": [{"hash_digest": "zz", "algorithm": "PDQ", "deleted": false, "id": 1}],'
        b' "next": null, "checkpoint": "1,1"}',
    ],
)
def test_a_malformed_page_is_refused(lone: tuple[Engine, str], fake: FakeTat, body: bytes) -> None:
    refuses_page(_add(lone), fake, "tat", "tve", body)


def test_rate_limiting_is_honoured(engine: tuple[Engine, str], fake: FakeTat) -> None:
    _, limited = rate_limited(_add(engine), fake, "tat")
    assert limited.next_fetch_at and limited.last_fetch_at
    assert (limited.next_fetch_at - limited.last_fetch_at).total_seconds() >= 60
    assert len(_listed(fake)) == 1
