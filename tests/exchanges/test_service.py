"""Exchanges as configured sources of a bank: options checked per kind, credentials sealed
at rest and never shown back, logged or audited in the clear (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from safeguarding.audit.events import Event
from safeguarding.config import Settings
from safeguarding.engine import Engine
from safeguarding.errors import (
    ConflictError,
    ExchangeError,
    InvalidInputError,
    NotFoundError,
)
from safeguarding.exchanges.tables import ExchangeRow
from safeguarding.exchanges.vault import new_key

SECRET = "tok-3b1f0c9e-not-a-real-token"
FEED = {"url": "https://hotline.example", "feed": "shared", "token": SECRET}


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    instance = Engine(Settings(database_url=db_url, exchange_key=new_key()))
    instance.banks.create_bank("partner", "test")
    yield instance
    instance.close()


def test_add_list_show_remove(engine: Engine) -> None:
    added = engine.exchanges.add(
        "hotline", "safeguarding", "partner", FEED, "alice", interval_seconds=600
    )
    assert (added.name, added.kind, added.bank, added.interval_seconds) == (
        "hotline",
        "safeguarding",
        "partner",
        600,
    )
    assert added.options == {"url": "https://hotline.example", "feed": "shared"}
    assert added.credentials == ["token"]
    engine.exchanges.add("list", "file", "partner", {"url": "/srv/lists/a.jsonl"}, "alice")
    listed = engine.exchanges.list()
    assert [x.name for x in listed] == ["hotline", "list"]
    assert listed[1].interval_seconds == engine.settings.exchange_interval_seconds
    shown = engine.exchanges.get("hotline").as_dict()
    assert shown["options"]["token"] == "[redacted]" and SECRET not in str(shown)
    assert shown["checkpoint"] is None and shown["last_error"] is None
    engine.exchanges.remove("hotline", "alice")
    with pytest.raises(NotFoundError):
        engine.exchanges.get("hotline")


def test_credentials_are_sealed_at_rest_and_not_audited(engine: Engine) -> None:
    engine.exchanges.add("hotline", "safeguarding", "partner", FEED, "alice")
    with engine.db.read() as session:
        row = session.scalars(select(ExchangeRow)).one()
        events = engine.audit.recent(session, action=Event.EXCHANGE_ADD)
    assert row.credentials is not None and SECRET.encode() not in row.credentials
    assert SECRET not in str(row.options) and row.credential_names == ["token"]
    assert len(events) == 1 and SECRET not in str(events[0].details)
    assert events[0].details["options"]["token"] == "[redacted]"
    assert engine.exchanges.credentials("hotline") == {"token": SECRET}


def test_credentials_need_the_key(db_url: str) -> None:
    keyed = Engine(Settings(database_url=db_url, exchange_key=new_key()))
    keyed.banks.create_bank("partner", "test")
    keyed.exchanges.add("hotline", "safeguarding", "partner", FEED, "alice")
    keyed.close()
    keyless = Engine(Settings(database_url=db_url))
    with pytest.raises(InvalidInputError, match="SAFEGUARDING_EXCHANGE_KEY"):
        keyless.exchanges.add("other", "safeguarding", "partner", FEED, "alice")
    with pytest.raises(ExchangeError, match="not set"):
        keyless.exchanges.credentials("hotline")
    keyless.exchanges.add("plain", "file", "partner", {"url": "file:///srv/a.csv"}, "alice")
    keyless.close()
    rekeyed = Engine(Settings(database_url=db_url, exchange_key=new_key()))
    with pytest.raises(ExchangeError, match="do not open"):
        rekeyed.exchanges.credentials("hotline")
    rekeyed.close()


def test_a_bad_key_is_refused_at_start(sqlite_url: str) -> None:
    with pytest.raises(InvalidInputError, match="Fernet key"):
        Engine(Settings(database_url=sqlite_url, exchange_key="not-a-key"))


NCMEC = {"username": "u", "password": "p"}
TE = {"privacy_group": "1", "access_token": "1|s"}


@pytest.mark.parametrize(
    ("kind", "options", "message"),
    [
        ("ncmec-ish", {"url": "/a"}, "kind: must be one of file, safeguarding, stopncii, ncmec"),
        ("file", {}, "need \\['url'\\]"),
        ("file", {"url": "/a", "colour": "red"}, "no option 'colour'"),
        ("file", {"url": "ftp://host/a"}, "absolute path"),
        ("file", {"url": "relative/a.csv"}, "absolute path"),
        ("file", {"url": "/a", "format": "xml"}, "format must be"),
        ("file", {"url": "/a\x00b"}, "control characters"),
        ("safeguarding", {**FEED, "url": "file:///x"}, "http"),
        ("safeguarding", {**FEED, "feed": "no spaces"}, "bank name"),
        ("safeguarding", {**FEED, "fingerprint": "ab"}, "64 lowercase hex"),
        ("safeguarding", {"url": "https://a.example", "feed": "b"}, "need \\['token'\\]"),
        ("ncmec", {"username": "u"}, "need \\['password'\\]"),
        ("ncmec", {**NCMEC, "url": "gopher://x"}, "http"),
        ("ncmec", {**NCMEC, "feedback": "yes please"}, "on or off"),
        ("ncmec", {**NCMEC, "downvote_reason": "<script>"}, "guid"),
        ("threatexchange", {**TE, "privacy_group": "../../me"}, "numeric id"),
        ("threatexchange", {**TE, "feedback": "1"}, "on or off"),
        ("threatexchange", {"privacy_group": "1"}, "need \\['access_token'\\]"),
        ("tat", {"username": "u", "password": "p", "url": "file:///etc"}, "http"),
        ("threatexchange", {**TE, "url": "ftp://x"}, r"url must be http\(s\)://host"),
        ("stopncii", {"subscription_key": "s", "fetch_key": "f", "url": "https://"}, "http"),
        ("tat", {"username": "u", "password": "p" * 3000}, "at most 2000"),
    ],
)
def test_bad_options_are_refused(
    engine: Engine, kind: str, options: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        engine.exchanges.add("x", kind, "partner", options, "alice")
    assert engine.exchanges.list() == []


def test_remote_only_refuses_local_files(engine: Engine) -> None:
    with pytest.raises(InvalidInputError, match="command line"):
        engine.exchanges.add(
            "x", "file", "partner", {"url": "/etc/passwd"}, "alice", remote_only=True
        )
    added = engine.exchanges.add(
        "x", "file", "partner", {"url": "https://lists.example/a.csv"}, "alice", remote_only=True
    )
    assert added.options["url"] == "https://lists.example/a.csv"


def test_names_banks_and_intervals(engine: Engine) -> None:
    with pytest.raises(NotFoundError):
        engine.exchanges.add("x", "file", "missing", {"url": "/a"}, "alice")
    with pytest.raises(InvalidInputError, match="name"):
        engine.exchanges.add("bad name", "file", "partner", {"url": "/a"}, "alice")
    with pytest.raises(InvalidInputError, match="interval"):
        engine.exchanges.add("x", "file", "partner", {"url": "/a"}, "alice", interval_seconds=5)
    engine.exchanges.add("x", "file", "partner", {"url": "/a"}, "alice")
    with pytest.raises(ConflictError):
        engine.exchanges.add("x", "file", "partner", {"url": "/b"}, "alice")
    updated = engine.exchanges.update("x", "bob", enabled=False, interval_seconds=120)
    assert (updated.enabled, updated.interval_seconds, updated.bank) == (False, 120, "partner")


def test_deleting_the_bank_removes_its_exchanges(engine: Engine) -> None:
    engine.exchanges.add("x", "file", "partner", {"url": "/a"}, "alice")
    engine.banks.delete_bank("partner", "alice")
    assert engine.exchanges.list() == []
