"""Set-based insertion of an exchange's page (BankStore.add_listed over banks/bulk.py and
store/staging.py), on SQLite and PostgreSQL: only missing entries are added and logged,
every entry's id comes back, labels and source references are kept, and the staging table
is emptied between pages and private to the transaction's connection."""

from __future__ import annotations

import pytest

from safeguarding.banks.model import NewEntry
from safeguarding.banks.store import value_digest
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


def test_removals_are_set_based_and_stay_in_their_bank(engine: Engine) -> None:
    # remove_entries, remove_digests and remove_selected stage what they name and delete in
    # one statement: only this bank's entries go, each logged with the value it removed,
    # and a prefix keeps what a person added
    for name in ("partner", "other"):
        engine.banks.create_bank(name, "test")
    store = engine.banks.store
    many = [f"{i:064x}" for i in range(1, 2501)]  # more than one of the old 1,000-id chunks
    with engine.db.write() as session:
        _, ids = store.add_listed(session, "partner", [NewEntry("pdq", v) for v in many], "x:a")
        _, theirs = store.add_listed(session, "other", [NewEntry("pdq", PDQS[0])], "x:a")
        store.add_listed(session, "partner", [NewEntry("pdq", PDQS[1])], "alice")
        before = store.last_change_id(session)
        assert store.remove_entries(session, "partner", [*ids.values(), *theirs.values()]) == 2500
        removed = store.changes_with_values(session, before, 5000)
    assert sorted(c.value or "" for c in removed) == many and {c.op for c in removed} == {"remove"}
    assert [c.entry_id for c in removed] == sorted(ids.values())  # logged in id order
    assert [e.value for e in engine.banks.entries("other")] == [PDQS[0]]
    with engine.db.write() as session:
        pairs = [("pdq", PDQS[0]), ("pdq", PDQS[1])]
        only_exchanges = store.select_values(session, "partner", pairs)
        assert store.remove_selected(session, "partner", only_exchanges, added_by_prefix="x:") == 0
        assert store.remove_entries(session, "partner", []) == 0
        assert store.remove_digests(session, "partner", []) == 0
        digests = [("pdq", value_digest(PDQS[1])), ("md5", value_digest(MD5))]
        assert store.remove_digests(session, "partner", digests) == 1
    assert engine.banks.entries("partner") == []


def test_nothing_staged_is_an_empty_table(engine: Engine) -> None:
    # a page whose tombstones name nothing stages no rows (SQLite read an empty
    # executemany as one statement without its parameters)
    with engine.db.write() as session:
        staging.stage(session, "staged_ids", [("id", "BIGINT")], [(1,)])
        empty = staging.stage(session, "staged_ids", [("id", "BIGINT")], iter([]))
        assert session.execute(empty.select()).all() == []
