"""Bank operations as a user sees them: each one validated, one transaction, audited."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from safeguarding.audit.events import Event
from safeguarding.audit.log import AuditLog
from safeguarding.banks.formats import BankFormat, export, parse
from safeguarding.banks.model import (
    MAX_DESCRIPTION_CHARS,
    Bank,
    BankEntry,
    BankSource,
    NewEntry,
    check_bank_name,
    check_description,
    check_labels,
    check_source,
    check_source_ref,
)
from safeguarding.banks.policy import LEGACY_FIELDS, BankPolicy
from safeguarding.banks.store import BankStore, DoNotMatch
from safeguarding.errors import InvalidInputError
from safeguarding.hashing.hasher import ContentHashes
from safeguarding.hashing.registry import get_signal_type, validate_signal
from safeguarding.inputs import choice, free_text
from safeguarding.store.db import Database

#: what `update_bank` changes in the policy: the action, the flat fields, `policies`
_POLICY_FIELDS = ("action", "policies", *LEGACY_FIELDS)


@dataclass(frozen=True)
class ImportResult:
    bank: str
    added: int
    already_present: int

    @property
    def total(self) -> int:
        return self.added + self.already_present


class BankService:
    def __init__(
        self, db: Database, store: BankStore | None = None, audit: AuditLog | None = None
    ) -> None:
        self.db = db
        self.store = store or BankStore()
        self.audit = audit or AuditLog()
        self._listeners: list[Callable[[], None]] = []

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every committed change (the in-process index refreshes)."""
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in self._listeners:
            listener()

    # --- banks -------------------------------------------------------------------------
    def create_bank(
        self,
        name: str,
        actor: str,
        *,
        description: str = "",
        source: str = BankSource.LOCAL,
        policy: BankPolicy | None = None,
        labels: list[str] | None = None,
    ) -> Bank:
        check_bank_name(name)
        check_source(source)
        description = check_description(description)
        policy = (policy or BankPolicy()).complete()
        with self.db.write() as session:
            bank = self.store.create(
                session,
                name=name,
                description=description,
                source=source,
                policy=policy,
                labels=check_labels(labels),
                created_by=actor,
            )
            self.audit.record(
                session,
                actor,
                Event.BANK_CREATE,
                f"bank:{name}",
                source=source,
                policy={"action": policy.action.value, **policy.to_json()},
            )
        self._changed()
        return bank

    def get_bank(self, name: str) -> Bank:
        with self.db.read() as session:
            return self.store.get(session, name)

    def list_banks(self) -> list[Bank]:
        with self.db.read() as session:
            return self.store.all(session)

    def update_bank(self, name: str, actor: str, **changes: Any) -> Bank:
        """Change what is given (None: unchanged). The policy takes `action`, the flat fields
        (`pdq_threshold` ...) and `policies`, settings per signal type merged into the
        bank's: {"pdq": {"threshold": 20}} leaves the PDQ minimum quality as it was."""
        allowed = {"enabled", "description", "labels", "source", *_POLICY_FIELDS}
        unknown = set(changes) - allowed
        if unknown:
            raise InvalidInputError("changes", f"cannot change {sorted(unknown)}")
        changes = {k: v for k, v in changes.items() if v is not None}
        if "labels" in changes:
            changes["labels"] = check_labels(changes["labels"])
        if "source" in changes:
            check_source(changes["source"])
        if "description" in changes:
            changes["description"] = check_description(changes["description"])
        with self.db.write() as session:
            current = self.store.get(session, name)
            policy_changes = {k: changes.pop(k) for k in _POLICY_FIELDS if k in changes}
            if policy_changes:
                policy = current.policy.changed(**policy_changes)  # validates
                changes["policy"] = policy
            bank = self.store.update(session, name, changes)
            self.audit.record(
                session,
                actor,
                Event.BANK_UPDATE,
                f"bank:{name}",
                changes={
                    k: str(v) for k, v in {**changes, **policy_changes}.items() if k != "policy"
                },
            )
        self._changed()
        return bank

    def delete_bank(self, name: str, actor: str) -> None:
        with self.db.write() as session:
            count = self.store.get(session, name).entry_count
            self.store.delete(session, name)
            self.audit.record(session, actor, Event.BANK_DELETE, f"bank:{name}", entries=count)
        self._changed()

    # --- entries -----------------------------------------------------------------------
    def add_entries(
        self, name: str, entries: Iterable[NewEntry], actor: str, *, action: Event = Event.BANK_ADD
    ) -> ImportResult:
        with self.db.write() as session:
            added, present = self.store.add_entries(session, name, entries, actor)
            self.audit.record(
                session, actor, action, f"bank:{name}", added=added, already_present=present
            )
        self._changed()
        return ImportResult(name, added, present)

    def add_signals(
        self,
        name: str,
        signals: Iterable[tuple[str, str, int | None]],
        actor: str,
        *,
        labels: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        source_ref: str | None = None,
    ) -> ImportResult:
        """Validate (type, value, quality) triples and add them to a bank."""
        checked_labels = check_labels(labels)
        source_ref = check_source_ref(source_ref)
        entries = []
        for signal_type, value, quality in signals:
            kind, canonical = validate_signal(signal_type, value)
            entries.append(
                NewEntry(kind, canonical, quality, checked_labels, dict(metadata or {}), source_ref)
            )
        return self.add_entries(name, entries, actor)

    def add_hashes(
        self,
        name: str,
        contents: Iterable[tuple[ContentHashes, str | None]],
        actor: str,
        *,
        labels: list[str] | None = None,
    ) -> ImportResult:
        """Add the signals of hashed content (each with its reference, e.g. a file name) in
        one transaction; derived views are stored with metadata {"view": name}."""
        checked_labels = check_labels(labels)
        entries = [
            NewEntry(
                s.type,
                s.value,
                s.quality,
                checked_labels,
                {"view": s.view} if s.view else {},
                check_source_ref(source_ref),
            )
            for hashes, source_ref in contents
            for s in hashes.signals
        ]
        return self.add_entries(name, entries, actor)

    def remove_entries(self, name: str, entry_ids: list[int], actor: str) -> int:
        with self.db.write() as session:
            removed = self.store.remove_entries(session, name, entry_ids)
            self.audit.record(
                session,
                actor,
                Event.BANK_REMOVE,
                f"bank:{name}",
                entry_ids=entry_ids[:1000],
                removed=removed,
            )
        self._changed()
        return removed

    def entry_ids(self, name: str, values: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """The ids of the bank's entries with these (signal type, canonical value)s."""
        with self.db.read() as session:
            return self.store.entry_ids(session, name, values)

    def entries(
        self, name: str, *, after_id: int = 0, limit: int = 100, signal_type: str | None = None
    ) -> list[BankEntry]:
        if signal_type is not None:
            signal_type = get_signal_type(signal_type).name
        with self.db.read() as session:
            return self.store.entries(
                session, name, after_id=after_id, limit=limit, signal_type=signal_type
            )

    def import_file(
        self, name: str, fmt: BankFormat | str, stream: IO[bytes], actor: str
    ) -> ImportResult:
        """All or nothing: a bad line rolls back the whole file. Re-importing adds nothing."""
        return self.add_entries(name, parse(fmt, stream), actor, action=Event.BANK_IMPORT)

    def export(self, name: str, fmt: BankFormat | str) -> Iterator[str]:
        fmt = choice("format", BankFormat, fmt)
        self.get_bank(name)  # a missing bank fails before the first byte is sent
        with self.db.read() as session:
            yield from export(fmt, self.store.iter_entries(session, name))

    # --- do-not-match ------------------------------------------------------------------
    def add_do_not_match(self, signal_type: str, value: str, reason: str, actor: str) -> DoNotMatch:
        kind, canonical = validate_signal(signal_type, value)
        reason = free_text("reason", reason, MAX_DESCRIPTION_CHARS)
        if not reason:
            raise InvalidInputError("reason", "a reason is required")
        with self.db.write() as session:
            entry = self.store.add_do_not_match(session, kind, canonical, reason, actor)
            self.audit.record(session, actor, Event.DNM_ADD, f"dnm:{entry.id}", reason=reason)
        self._changed()
        return entry

    def remove_do_not_match(self, dnm_id: int, actor: str) -> None:
        with self.db.write() as session:
            self.store.remove_do_not_match(session, dnm_id)
            self.audit.record(session, actor, Event.DNM_REMOVE, f"dnm:{dnm_id}")
        self._changed()

    def list_do_not_match(self) -> list[DoNotMatch]:
        with self.db.read() as session:
            return self.store.list_do_not_match(session)
