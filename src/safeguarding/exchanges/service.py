"""Exchanges as a user manages them: each operation validated, one transaction, audited,
credentials sealed before they reach the database and never handed back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from sqlalchemy.orm import Session

from safeguarding.audit.events import Event
from safeguarding.audit.log import AuditLog
from safeguarding.banks.store import BankStore
from safeguarding.exchanges.apply import PageApplier, Target
from safeguarding.exchanges.claims import ClaimStore
from safeguarding.exchanges.kinds import get_kind
from safeguarding.exchanges.model import (
    REDACTED,
    Exchange,
    Removal,
    check_exchange_name,
    check_interval,
)
from safeguarding.exchanges.store import ExchangeStore
from safeguarding.exchanges.vault import Vault
from safeguarding.store.db import Database


class ExchangeService:
    def __init__(
        self,
        db: Database,
        vault: Vault,
        *,
        default_interval: int,
        confirmed_bank: str,
        banks: BankStore | None = None,
        audit: AuditLog | None = None,
        store: ExchangeStore | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.vault = vault
        self.default_interval = default_interval
        #: the bank no exchange ever removes entries from (reviewers confirmed them)
        self.confirmed_bank = confirmed_bank
        self.banks = banks or BankStore()
        self.audit = audit or AuditLog()
        self.store = store or ExchangeStore()
        self.on_change = on_change or (lambda: None)

    def _named(self, session: Session, exchanges: list[Exchange]) -> list[Exchange]:
        names = {bank.id: bank.name for bank in self.banks.all(session)}
        return [replace(x, bank=names.get(x.bank_id, "")) for x in exchanges]

    def add(
        self,
        name: str,
        kind: str,
        bank: str,
        options: dict[str, str],
        actor: str,
        *,
        interval_seconds: int | None = None,
        enabled: bool = True,
        remote_only: bool = False,
    ) -> Exchange:
        """Configure an exchange as a source of `bank`. Options the kind marks as credentials
        are sealed with the vault; the rest are stored as given. `remote_only`: refuse local
        files (the API sets it)."""
        check_exchange_name(name)
        spec = get_kind(kind)
        plain, secret = spec.split_options(options, remote_only=remote_only)
        interval = check_interval(
            interval_seconds if interval_seconds is not None else self.default_interval
        )
        sealed = self.vault.seal(secret)
        with self.db.write() as session:
            target = self.banks.get(session, bank)
            exchange = self.store.create(
                session,
                name=name,
                kind=spec.name,
                bank_id=target.id,
                options=plain,
                credentials=sealed,
                credential_names=sorted(secret),
                interval_seconds=interval,
                enabled=enabled,
                created_by=actor,
            )
            self.audit.record(
                session,
                actor,
                Event.EXCHANGE_ADD,
                f"exchange:{name}",
                kind=spec.name,
                bank=bank,
                interval_seconds=interval,
                options={**plain, **dict.fromkeys(secret, REDACTED)},
            )
        return replace(exchange, bank=bank)

    def get(self, name: str) -> Exchange:
        with self.db.read() as session:
            return self._named(session, [self.store.get(session, name)])[0]

    def list(self) -> list[Exchange]:
        with self.db.read() as session:
            return self._named(session, self.store.all(session))

    def update(
        self,
        name: str,
        actor: str,
        *,
        enabled: bool | None = None,
        interval_seconds: int | None = None,
    ) -> Exchange:
        changes: dict[str, object] = {}
        if enabled is not None:
            changes["enabled"] = bool(enabled)
        if interval_seconds is not None:
            changes["interval_seconds"] = check_interval(interval_seconds)
        with self.db.write() as session:
            exchange = self.store.update(session, name, changes)
            self.audit.record(
                session,
                actor,
                Event.EXCHANGE_UPDATE,
                f"exchange:{name}",
                changes={k: str(v) for k, v in changes.items()},
            )
            return self._named(session, [exchange])[0]

    def remove(self, name: str, actor: str) -> Removal:
        """Remove the exchange with its credentials, and withdraw every claim it made: the
        entries only it claimed leave the bank (logged as bank changes, so the index and
        feeds see them go), in the same transaction as the removal."""
        claims = ClaimStore()
        with self.db.write() as session:
            exchange = self._named(session, [self.store.get(session, name, lock=True)])[0]
            ids = claims.withdraw_all(session, exchange.id)
            target = Target(
                exchange.id, name, exchange.bank, protected=exchange.bank == self.confirmed_bank
            )
            removed = PageApplier(self.banks, claims).drop_unclaimed(session, target, ids)
            self.store.delete(session, name)
            removal = Removal(name, exchange.bank, withdrawn=len(ids), removed=removed)
            self.audit.record(
                session,
                actor,
                Event.EXCHANGE_REMOVE,
                f"exchange:{name}",
                kind=exchange.kind,
                bank=exchange.bank,
                withdrawn=removal.withdrawn,
                removed=removal.removed,
                kept=removal.kept,
            )
        if removed:
            self.on_change()
        return removal

    def credentials(self, name: str) -> dict[str, str]:
        """The plain credentials, for a fetch in this process only."""
        with self.db.read() as session:
            return self.vault.open(self.store.sealed_credentials(session, name), exchange=name)
