"""Set-based insertion of an exchange's page (BankStore.add_listed over banks/bulk.py and
store/staging.py), on SQLite and PostgreSQL: only missing entries are added and logged,
every entry's id comes back, labels and source references are kept, and the staging table
is emptied between pages and private to the transaction's connection."""

from __future__ import annotations

import pytest

from safeguarding.banks.model import NewEntry
from safeguarding.engine import Engine
from safeguarding.store import staging

PDQS = [f"{i:02x}" * 32 for i in (0x11, 0x22, 0x33, 0x44)]
MD5 = "0123456789abcdef0123456789abcdef"


def test_add_listed_adds_what_is_missing_and_returns_every_id(engine: Engine) -> None:
    engine.banks.create_bank("partner", "test")
    engine.banks.add_signals("partner", [("pdq", PDQS[0], None)], "alice")
    store = engine.banks.store
    page = [
        NewEntry("pdq", PDQS[0], labels=["x"], source_ref="u0"),
        NewEntry("pdq", PDQS[1], labels=["sextortion", "csam"], source_ref="u1"),
        NewEntry("md5", MD5),
    ]
    with engine.db.write() as session:
        before = store.last_change_id(session)
        added, ids = store.add_listed(session, "partner", page, "exchange:x")
        changes = store.changes_with_values(session, before, 100)
    assert added == 2 and set(ids) == {("pdq", PDQS[0]), ("pdq", PDQS[1]), ("md5", MD5)}
    assert sorted((c.op, c.value) for c in changes) == [("add", MD5), ("add", PDQS[1])]
    entries = {e.value: e for e in engine.banks.entries("partner")}
    assert {v: e.id for v, e in entries.items()} == {v: i for (_, v), i in ids.items()}
    assert entries[PDQS[1]].labels == ["sextortion", "csam"]
    assert (entries[PDQS[1]].source_ref, entries[PDQS[1]].added_by) == ("u1", "exchange:x")
    assert entries[PDQS[0]].added_by == "alice"  # already there: untouched
    with engine.db.write() as session:  # the next page stages only its own entries
        added, ids = store.add_listed(session, "partner", [NewEntry("pdq", PDQS[2])], "x")
    assert added == 1 and list(ids) == [("pdq", PDQS[2])]
    with engine.db.write() as session:
        assert store.add_listed(session, "partner", [], "x") == (0, {})


def test_staging_names_are_checked(engine: Engine) -> None:
    with engine.db.write() as session, pytest.raises(ValueError, match="staging"):
        staging.stage(session, "x; DROP TABLE banks", [("a", "TEXT")], [])
    with engine.db.write() as session, pytest.raises(ValueError, match="staging"):
        staging.stage(session, "ok", [("a", "TEXT); DROP TABLE banks; --")], [])
