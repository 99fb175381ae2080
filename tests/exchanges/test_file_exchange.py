"""The `file` kind end to end on SQLite and PostgreSQL: first fetch, delta, tombstones,
sharing a bank with another exchange, crash mid-page and resume, malformed pages, and the
hostile HTTP cases (credentials refused, rate limited, gzip bomb, slow, odd encodings)."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from safeguarding.audit.events import Event
from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.errors import ExchangeError
from safeguarding.exchanges.claims import ClaimStore
from safeguarding.exchanges.vault import new_key
from safeguarding.matching.matcher import QuerySignal

PDQS = [f"{i:02x}" * 32 for i in (0x11, 0x22, 0x33, 0x44, 0x55, 0x66)]
MD5 = "0123456789abcdef0123456789abcdef"


def _line(value: str, upstream: str, signal_type: str = "pdq", **extra: object) -> str:
    return json.dumps({"signal_type": signal_type, "value": value, "id": upstream, **extra})


def _write(path: Path, lines: list[str]) -> None:
    path.write_text("".join(line + "\n" for line in lines))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    instance = Engine(
        Settings(
            database_url=db_url,
            exchange_key=new_key(),
            index_refresh_seconds=0.01,
            exchange_max_bytes=1_000_000,
            exchange_timeout_seconds=2.0,
        )
    )
    instance.banks.create_bank("partner", "test")
    yield instance
    instance.close()


def _values(engine: Engine, bank: str = "partner") -> set[str]:
    return {e.value for e in engine.banks.entries(bank, limit=1000)}


def _matches(engine: Engine, value: str) -> bool:
    engine.matcher.refresh()
    return engine.matcher.match([QuerySignal("pdq", value, 100)]).matched


def test_first_fetch_delta_and_tombstones(engine: Engine, tmp_path: Path) -> None:
    listing = tmp_path / "list.jsonl"
    _write(
        listing,
        [
            _line(PDQS[0], "u0"),
            _line(PDQS[1], "u1", labels=["sextortion"]),
            _line(MD5, "u2", "MD5"),
            _line("abc", "u3", "tmk"),
            "",
        ],
    )
    engine.exchanges.add("hotline", "file", "partner", {"url": str(listing)}, "alice")
    engine.matcher.load()
    first = engine.fetcher.fetch("hotline")
    assert (first.counts.fetched, first.counts.added, first.counts.skipped) == (4, 3, 1)
    assert _values(engine) == {PDQS[0], PDQS[1], MD5}
    entry = next(e for e in engine.banks.entries("partner") if e.value == PDQS[1])
    assert (entry.source_ref, entry.labels, entry.added_by) == (
        "u1",
        ["sextortion"],
        "exchange:hotline",
    )
    assert _matches(engine, PDQS[0])

    again = engine.fetcher.fetch("hotline")  # the same list: nothing to do
    assert again.pages == 0 and _values(engine) == {PDQS[0], PDQS[1], MD5}

    # the list drops u0, adds u4 and withdraws u1 explicitly
    _write(
        listing, [_line(PDQS[1], "u1", deleted=True), _line(MD5, "u2", "md5"), _line(PDQS[4], "u4")]
    )
    delta = engine.fetcher.fetch("hotline")
    assert (delta.counts.added, delta.counts.removed) == (1, 2)
    assert _values(engine) == {MD5, PDQS[4]}
    assert not _matches(engine, PDQS[0]) and _matches(engine, PDQS[4])
    shown = engine.exchanges.get("hotline")
    assert (shown.added, shown.removed, shown.skipped, shown.last_error) == (4, 2, 1, None)
    assert shown.last_success_at is not None and shown.checkpoint is not None
    with engine.db.read() as session:
        pages = engine.audit.recent(session, action=Event.EXCHANGE_PAGE)
    assert sum(p.details["added"] for p in pages) == 4


def test_a_tombstone_withdraws_only_its_own_claim(engine: Engine, tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.csv"
    _write(a, [_line(PDQS[0], "a0"), _line(PDQS[1], "a1")])
    b.write_text(f"signal_type,value,id\npdq,{PDQS[0]},b0\n")
    engine.banks.add_signals("partner", [("pdq", PDQS[2], None)], "alice")  # by a person
    engine.exchanges.add("a", "file", "partner", {"url": str(a)}, "alice")
    engine.exchanges.add("b", "file", "partner", {"url": f"file://{b}"}, "alice")
    engine.fetcher.fetch("a")
    assert engine.fetcher.fetch("b").counts.added == 0  # already there: b claims it too
    _write(a, [_line(PDQS[0], "a0", deleted=True), _line(PDQS[2], "a2"), _line(PDQS[1], "a1")])
    engine.fetcher.fetch("a")
    assert PDQS[0] in _values(engine)  # b still lists it
    _write(a, [_line(PDQS[1], "a1")])  # a no longer lists the person's entry
    engine.fetcher.fetch("a")
    assert PDQS[2] in _values(engine)  # a person added it: no upstream removes it
    b.write_text("signal_type,value,id,deleted\npdq," + PDQS[0] + ",b0,true\n")
    engine.fetcher.fetch("b")
    assert _values(engine) == {PDQS[1], PDQS[2]}


def test_nothing_an_exchange_sends_removes_from_the_confirmed_bank(
    engine: Engine, tmp_path: Path
) -> None:
    engine.banks.create_bank("confirmed", "test")
    listing = tmp_path / "list.jsonl"
    _write(listing, [_line(PDQS[0], "u0"), _line(PDQS[1], "u1")])
    engine.exchanges.add("x", "file", "confirmed", {"url": str(listing)}, "alice")
    engine.fetcher.fetch("x")
    _write(listing, [_line(PDQS[0], "u0", deleted=True)])
    result = engine.fetcher.fetch("x")
    assert result.counts.removed == 0 and _values(engine, "confirmed") == {PDQS[0], PDQS[1]}


def test_removing_an_exchange_withdraws_its_claims(engine: Engine, tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    # a lists 0, 1, 2 and the person's 3; b lists 1 too
    _write(a, [_line(v, f"a{i}") for i, v in enumerate(PDQS[:4])])
    _write(b, [_line(PDQS[1], "b1")])
    engine.banks.add_signals("partner", [("pdq", PDQS[3], None)], "alice")
    engine.exchanges.add("a", "file", "partner", {"url": str(a)}, "alice")
    engine.exchanges.add("b", "file", "partner", {"url": str(b)}, "alice")
    engine.fetcher.fetch("a")
    engine.fetcher.fetch("b")
    engine.matcher.load()
    a_id = engine.exchanges.get("a").id
    with engine.db.read() as session:
        before = engine.banks.store.last_change_id(session)
        assert ClaimStore().count(session, a_id) == 4
    removal = engine.exchanges.remove("a", "alice")
    assert (removal.withdrawn, removal.removed, removal.kept) == (4, 2, 2)
    assert _values(engine) == {PDQS[1], PDQS[3]}  # b still lists 1; a person added 3
    assert not _matches(engine, PDQS[0]) and _matches(engine, PDQS[1])
    with engine.db.read() as session:
        changes = engine.banks.store.changes_with_values(session, before, 100)
        event = engine.audit.recent(session, action=Event.EXCHANGE_REMOVE)[0]
        assert ClaimStore().count(session, a_id) == 0
    assert sorted((c.op, c.value) for c in changes) == [("remove", PDQS[0]), ("remove", PDQS[2])]
    assert (event.details["withdrawn"], event.details["removed"], event.details["kept"]) == (
        4,
        2,
        2,
    )
    assert engine.exchanges.remove("b", "alice").removed == 1  # now nobody lists 1
    assert _values(engine) == {PDQS[3]}


def test_removing_an_exchange_of_the_confirmed_bank_removes_no_entry(
    engine: Engine, tmp_path: Path
) -> None:
    engine.banks.create_bank("confirmed", "test")
    listing = tmp_path / "list.jsonl"
    _write(listing, [_line(PDQS[0], "u0")])
    engine.exchanges.add("x", "file", "confirmed", {"url": str(listing)}, "alice")
    engine.fetcher.fetch("x")
    removal = engine.exchanges.remove("x", "alice")
    assert (removal.withdrawn, removal.removed) == (1, 0)
    assert _values(engine, "confirmed") == {PDQS[0]}


def test_a_crash_mid_page_applies_nothing_of_it_and_the_next_fetch_resumes(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listing = tmp_path / "list.jsonl"
    _write(listing, [_line(v, f"u{i}") for i, v in enumerate(PDQS[:5])])
    engine.exchanges.add("x", "file", "partner", {"url": str(listing)}, "alice")
    engine.fetcher.page_size = 2
    real = ClaimStore.claim
    calls = []

    def dies_on_the_second_page(self: ClaimStore, *args: object, **kwargs: object) -> None:
        calls.append(1)
        if len(calls) == 2:  # after the page's entries were inserted, before its claims
            raise RuntimeError("killed mid-page")
        real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ClaimStore, "claim", dies_on_the_second_page)
    with pytest.raises(RuntimeError):
        engine.fetcher.fetch("x")
    assert _values(engine) == set(PDQS[:2])  # page 2 rolled back whole
    stopped = engine.exchanges.get("x")
    assert stopped.checkpoint is not None and stopped.checkpoint["line"] == 2
    assert stopped.added == 2 and stopped.last_error == "killed mid-page"
    monkeypatch.setattr(ClaimStore, "claim", real)
    resumed = engine.fetcher.fetch("x")
    assert resumed.counts.fetched == 3  # from line 3 on
    assert _values(engine) == set(PDQS[:5])
    done = engine.exchanges.get("x")
    assert (done.added, done.last_error) == (5, None)


def test_a_malformed_page_is_refused_and_the_checkpoint_stays(
    engine: Engine, tmp_path: Path
) -> None:
    listing = tmp_path / "list.jsonl"
    _write(listing, [_line(PDQS[0], "u0"), _line(PDQS[1], "u1"), _line(PDQS[2], "u2"), "{not json"])
    engine.exchanges.add("x", "file", "partner", {"url": str(listing)}, "alice")
    engine.fetcher.page_size = 2
    with pytest.raises(ExchangeError, match="line 4 of the list: invalid JSON"):
        engine.fetcher.fetch("x")
    assert _values(engine) == set(PDQS[:2])
    failing = engine.exchanges.get("x")
    assert failing.checkpoint is not None and failing.checkpoint["line"] == 2
    assert failing.last_error is not None and "line 4" in failing.last_error
    _write(listing, [_line(PDQS[0], "u0"), _line("zz" * 32, "bad")])
    with pytest.raises(ExchangeError, match="malformed pdq value"):
        engine.fetcher.fetch("x")
    assert _values(engine) == set(PDQS[:2])


def _body(data: bytes, encoding: str | None = None) -> httpx.Response:
    """An answer as it comes off the network (a stream, not content already read)."""
    headers = {"Content-Encoding": encoding} if encoding else {}
    return httpx.Response(200, stream=httpx.ByteStream(data), headers=headers)


def _http(engine: Engine, handler: object) -> None:
    engine.fetcher.client = httpx.Client(transport=httpx.MockTransport(handler))  # type: ignore[arg-type]


def test_over_http_with_a_token(engine: Engine) -> None:
    seen: list[str] = []
    body = (_line(PDQS[0], "u0") + "\n").encode()

    def upstream(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization", ""))
        if request.headers.get("authorization") != "Bearer right":
            return httpx.Response(401)
        return httpx.Response(
            200, stream=httpx.ByteStream(gzip.compress(body)), headers={"Content-Encoding": "gzip"}
        )

    _http(engine, upstream)
    engine.exchanges.add(
        "x", "file", "partner", {"url": "https://lists.example/a.jsonl", "token": "right"}, "alice"
    )
    engine.exchanges.add(
        "y", "file", "partner", {"url": "https://lists.example/a.jsonl", "token": "wrong"}, "alice"
    )
    assert engine.fetcher.fetch("x").counts.added == 1
    with pytest.raises(ExchangeError, match="refused our credentials \\(HTTP 401\\)"):
        engine.fetcher.fetch("y")
    failing = engine.exchanges.get("y")
    assert failing.failing and failing.checkpoint is None
    assert _values(engine) == {PDQS[0]} and seen == ["Bearer right", "Bearer wrong"]
    assert "wrong" not in (failing.last_error or "")


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda: httpx.Response(429, headers={"Retry-After": "120"}), r"rate limited.*120 s\)"),
        (
            lambda: httpx.Response(429, headers={"Retry-After": "Wed, 02 Dec 2026 09:00:00 GMT"}),
            r"retry after Wed, 02 Dec 2026 09:00:00 GMT\)",
        ),
        (lambda: httpx.Response(302, headers={"Location": "http://x/"}), "not followed"),
        (lambda: httpx.Response(503), "HTTP 503"),
        (lambda: _body(gzip.compress(b"\n" * 5_000_000), "gzip"), "larger than 1000000"),
        (lambda: _body(b"x" * 1_000_001), "larger than 1000000"),
        (lambda: _body(b"abc", "br"), "only gzip and deflate"),
        (lambda: _body(b"not gzip", "gzip"), "does not decompress"),
    ],
)
def test_hostile_answers_fail_clearly_and_change_nothing(
    engine: Engine, answer: object, message: str
) -> None:
    _http(engine, lambda request: answer())  # type: ignore[operator]
    engine.exchanges.add("x", "file", "partner", {"url": "https://lists.example/a.jsonl"}, "alice")
    with pytest.raises(ExchangeError, match=message):
        engine.fetcher.fetch("x")
    assert _values(engine) == set() and engine.exchanges.get("x").checkpoint is None


def test_a_slow_upstream_hits_the_deadline(engine: Engine) -> None:
    def drip() -> Iterator[bytes]:
        for _ in range(100):
            time.sleep(0.1)
            yield b"\n"

    _http(engine, lambda request: httpx.Response(200, content=drip()))
    engine.exchanges.add("x", "file", "partner", {"url": "https://lists.example/a.jsonl"}, "alice")
    started = time.monotonic()
    with pytest.raises(ExchangeError, match="longer than 2 s"):
        engine.fetcher.fetch("x")
    assert time.monotonic() - started < 5


def test_local_files_that_are_not_lists(engine: Engine, tmp_path: Path) -> None:
    engine.exchanges.add("dir", "file", "partner", {"url": str(tmp_path)}, "alice")
    engine.exchanges.add("gone", "file", "partner", {"url": str(tmp_path / "no")}, "alice")
    big = tmp_path / "big.jsonl"
    big.write_bytes(b"\n" * 1_000_001)
    engine.exchanges.add("big", "file", "partner", {"url": str(big)}, "alice")
    for name, message in (
        ("dir", "not a regular file"),
        ("gone", "cannot open"),
        ("big", "larger than"),
    ):
        with pytest.raises(ExchangeError, match=message):
            engine.fetcher.fetch(name)
