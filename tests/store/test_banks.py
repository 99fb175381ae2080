"""Bank storage contract, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import io
import threading

import pytest

from safeguarding.banks.model import Action
from safeguarding.banks.policy import BankPolicy
from safeguarding.engine import Engine
from safeguarding.errors import (
    ConflictError,
    ImportFormatError,
    InvalidBankError,
    InvalidInputError,
    NotFoundError,
)

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def hma(count: int, start: int = 0) -> bytes:
    return "".join(f"pdq {i:064x}\n" for i in range(start, start + count)).encode()


def test_create_get_list_update_delete(engine: Engine) -> None:
    banks = engine.banks
    policy = BankPolicy.of(Action.REPORT, pdq_threshold=20, min_quality=60)
    created = banks.create_bank(
        "ncmec-hashes", "tester", source="ncmec", policy=policy, labels=["csam"]
    )
    assert created.policy.action is Action.REPORT
    assert banks.get_bank("ncmec-hashes").source == "ncmec"
    banks.create_bank("local", "tester")
    assert [b.name for b in banks.list_banks()] == ["local", "ncmec-hashes"]
    updated = banks.update_bank("local", "tester", enabled=False, pdq_threshold=10, action="block")
    assert (updated.enabled, updated.policy.legacy()["pdq_threshold"], updated.policy.action) == (
        False,
        10,
        Action.BLOCK,
    )
    banks.delete_bank("local", "tester")
    with pytest.raises(NotFoundError):
        banks.get_bank("local")


def test_names_and_policies_are_validated(engine: Engine) -> None:
    with pytest.raises(InvalidBankError):
        engine.banks.create_bank("bad name!", "t")
    engine.banks.create_bank("ok", "t")
    with pytest.raises(ConflictError):
        engine.banks.create_bank("ok", "t")
    with pytest.raises(InvalidBankError):
        engine.banks.update_bank("ok", "t", pdq_threshold=500)
    with pytest.raises(InvalidBankError, match="action must be one of review, block, report"):
        engine.banks.update_bank("ok", "t", action="delete-everything")


def test_unknown_bank(engine: Engine) -> None:
    with pytest.raises(NotFoundError, match="nope"):
        engine.banks.import_file("nope", "hma", io.BytesIO(hma(1)), "t")


def test_import_is_idempotent(engine: Engine) -> None:
    engine.banks.create_bank("b", "t")
    first = engine.banks.import_file("b", "hma", io.BytesIO(hma(2500)), "t")
    again = engine.banks.import_file("b", "hma", io.BytesIO(hma(2500)), "t")
    assert (first.added, first.already_present) == (2500, 0)
    assert (again.added, again.already_present) == (0, 2500)
    assert engine.banks.get_bank("b").entry_count == 2500


def test_a_bad_line_rejects_the_whole_file(engine: Engine) -> None:
    engine.banks.create_bank("b", "t")
    data = hma(1500) + b"pdq not-a-hash\n"
    with pytest.raises(ImportFormatError) as caught:
        engine.banks.import_file("b", "hma", io.BytesIO(data), "t")
    assert caught.value.line == 1501
    assert engine.banks.get_bank("b").entry_count == 0


def test_concurrent_imports_into_one_bank(engine: Engine) -> None:
    engine.banks.create_bank("b", "t")
    results, errors = [], []

    def run(start: int) -> None:
        try:
            results.append(engine.banks.import_file("b", "hma", io.BytesIO(hma(800, start)), "t"))
        except Exception as exc:  # the test reports any failure below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(start,)) for start in (0, 400, 0, 400)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r.added for r in results) == 1200  # union of 0..799 and 400..1199
    assert engine.banks.get_bank("b").entry_count == 1200


def test_entries_page_and_remove(engine: Engine) -> None:
    engine.banks.create_bank("b", "t")
    engine.banks.import_file("b", "hma", io.BytesIO(hma(30)), "t")
    page = engine.banks.entries("b", limit=10)
    second = engine.banks.entries("b", after_id=page[-1].id, limit=10)
    assert len(page) == len(second) == 10
    assert page[-1].id < second[0].id
    assert engine.banks.remove_entries("b", [page[0].id, 10**9], "t") == 1
    assert engine.banks.get_bank("b").entry_count == 29


def test_export_round_trip_between_banks(engine: Engine) -> None:
    engine.banks.create_bank("a", "t")
    engine.banks.add_signals(
        "a", [("pdq", PDQ, 90), ("md5", "0" * 32, None)], "t", labels=["x"], source_ref="r1"
    )
    engine.banks.create_bank("b", "t")
    text = "".join(engine.banks.export("a", "jsonl"))
    result = engine.banks.import_file("b", "jsonl", io.BytesIO(text.encode()), "t")
    assert result.added == 2
    copied = engine.banks.entries("b")
    assert {(e.signal_type, e.value, tuple(e.labels), e.source_ref) for e in copied} == {
        ("pdq", PDQ, ("x",), "r1"),
        ("md5", "0" * 32, ("x",), "r1"),
    }


def test_every_write_is_audited(engine: Engine) -> None:
    engine.banks.create_bank("b", "alice")
    engine.banks.import_file("b", "hma", io.BytesIO(hma(3)), "bob")
    engine.banks.update_bank("b", "carol", enabled=False)
    with engine.db.read() as session:
        events = engine.audit.recent(session)
    assert [(e.actor, e.action) for e in reversed(events)] == [
        ("alice", "bank.create"),
        ("bob", "bank.import"),
        ("carol", "bank.update"),
    ]
    assert events[1].details["added"] == 3


def test_do_not_match_list(engine: Engine) -> None:
    entry = engine.banks.add_do_not_match("pdq", PDQ, "confirmed false positive", "t")
    again = engine.banks.add_do_not_match("pdq", PDQ.upper(), "again", "t")
    assert entry.id == again.id
    assert [e.value for e in engine.banks.list_do_not_match()] == [PDQ]
    engine.banks.remove_do_not_match(entry.id, "t")
    assert engine.banks.list_do_not_match() == []
    with pytest.raises(NotFoundError):
        engine.banks.remove_do_not_match(entry.id, "t")
    with pytest.raises(InvalidInputError, match="reason"):
        engine.banks.add_do_not_match("pdq", PDQ, "  ", "t")
