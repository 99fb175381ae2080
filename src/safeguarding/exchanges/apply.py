"""One page of an exchange applied to its bank, inside the caller's transaction (which also
moves the checkpoint): hashes converted to our signal types, entries added, claims recorded,
tombstones withdrawing only this exchange's claims.

An entry leaves the bank only when no exchange claims it any more and an exchange put it
there (a hash a person added stays, whatever an upstream says), and never from the bank
named `confirmed_bank`: what reviewers confirmed is not an upstream's to take back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from safeguarding.banks.model import check_labels
from safeguarding.banks.store import BankStore, value_digest
from safeguarding.errors import ExchangeError, InvalidBankError, SignalError
from safeguarding.exchanges.claims import ClaimStore
from safeguarding.exchanges.kinds.base import Page, Update
from safeguarding.exchanges.listings import ListingStore
from safeguarding.hashing.base import SignalType
from safeguarding.hashing.registry import get_signal_type

#: how an entry an exchange added names its source (`added_by`)
ACTOR_PREFIX = "exchange:"
MAX_UPSTREAM_ID_CHARS = 200
_C0 = re.compile(r"[\x00-\x1f]")


@dataclass(frozen=True)
class Counts:
    fetched: int = 0
    added: int = 0
    removed: int = 0
    skipped: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.fetched + other.fetched,
            self.added + other.added,
            self.removed + other.removed,
            self.skipped + other.skipped,
        )


@dataclass(frozen=True)
class Target:
    exchange_id: int
    exchange: str
    bank: str
    #: the confirmed bank: entries are never removed from it by an exchange
    protected: bool

    @property
    def actor(self) -> str:
        return f"{ACTOR_PREFIX}{self.exchange}"


class _Converter:
    """Upstream records to (our type, canonical value), each upstream type name looked up
    once a page; None for a type we do not know (counted, skipped)."""

    def __init__(self, exchange: str) -> None:
        self.exchange = exchange
        self.types: dict[str, type[SignalType] | None] = {}

    def __call__(self, update: Update) -> tuple[str, str] | None:
        try:
            signal_type = self.types[update.signal_type]
        except KeyError:
            signal_type = self.types[update.signal_type] = _known(update.signal_type)
        if signal_type is None:
            return None
        try:
            return signal_type.name, signal_type.validate(update.value)
        except SignalError as exc:
            raise ExchangeError(
                f"a malformed {signal_type.name} value in the page: {exc}", exchange=self.exchange
            ) from None


def _known(name: str) -> type[SignalType] | None:
    try:
        return get_signal_type(name)
    except SignalError:
        return None


class PageApplier:
    def __init__(self, banks: BankStore, claims: ClaimStore) -> None:
        self.banks = banks
        self.claims = claims
        self.listings = ListingStore()

    def apply(self, session: Session, target: Target, page: Page, now: datetime) -> Counts:
        listed: dict[tuple[str, str], Update] = {}
        dropped: dict[tuple[str, str], Update] = {}
        skipped = 0
        by_id: list[str] = []
        convert = _Converter(target.exchange)
        for update in page.updates:
            if update.by_upstream_id:
                by_id.append(_upstream_id(update.upstream_id, target.exchange) or "")
                continue
            converted = convert(update)
            if converted is None:
                skipped += 1
                continue
            # a later record about the same hash wins
            if update.removed:
                dropped[converted] = update
                listed.pop(converted, None)
            else:
                listed[converted] = update
                dropped.pop(converted, None)
        added = self._add(session, target, listed, now, page.listings)
        removed = 0
        if dropped:
            ids = list(self.banks.entry_ids(session, target.bank, list(dropped)).values())
            self.claims.withdraw(session, target.exchange_id, ids)
            removed += self.drop_unclaimed(session, target, ids)
        if by_id:  # after this page's adds: an entry listed, then deleted, is deleted
            ids = self.listings.withdraw(session, target.exchange_id, by_id)
            self.claims.withdraw(session, target.exchange_id, ids)
            removed += self.drop_unclaimed(session, target, ids)
        if page.sweep_before is not None:
            before = datetime.fromisoformat(page.sweep_before)
            ids = self.claims.withdraw_unseen(session, target.exchange_id, before)
            removed += self.drop_unclaimed(session, target, ids)
        return Counts(len(page.updates), added, removed, skipped)

    def _add(
        self,
        session: Session,
        target: Target,
        listed: dict[tuple[str, str], Update],
        now: datetime,
        listings: bool,
    ) -> int:
        if not listed:
            return 0
        # the entry and the exchange's claim on it carry the same upstream id and labels:
        # checked once here, staged once (banks/bulk.py), and the claims are upserted
        # straight from the staged page
        name = target.exchange
        rows = [
            (
                signal_type,
                value,
                value_digest(value),
                _labels(update, name),
                _upstream_id(update.upstream_id, name),
            )
            for (signal_type, value), update in listed.items()
        ]
        added, entries = self.banks.add_page(session, target.bank, rows, target.actor)
        self.claims.claim(session, target.exchange_id, entries, now)
        if listings:
            self.listings.record_selected(session, target.exchange_id, entries)
        return added

    def drop_unclaimed(self, session: Session, target: Target, ids: Sequence[int]) -> int:
        """Remove the entries among `ids` that no exchange claims and an exchange added
        (after a tombstone, a sweep, or the exchange's removal)."""
        if target.protected or not ids:
            return 0
        still = self.claims.claimed(session, ids)
        gone = [
            entry.id
            for entry, _ in self.banks.entries_with_banks(
                session, [i for i in ids if i not in still]
            )
            if entry.added_by.startswith(ACTOR_PREFIX)
        ]
        return self.banks.remove_entries(session, target.bank, gone) if gone else 0


def _labels(update: Update, exchange: str) -> str:
    """The update's labels, checked, as the JSON text a page stages."""
    if not update.labels:  # most lists carry none: skip the checks
        return "[]"
    try:
        return json.dumps(check_labels(list(update.labels)))
    except InvalidBankError as exc:
        raise ExchangeError(f"bad labels in the page: {exc}", exchange=exchange) from None


def _upstream_id(upstream_id: str | None, exchange: str) -> str | None:
    if upstream_id is None:
        return None
    if len(upstream_id) > MAX_UPSTREAM_ID_CHARS or _C0.search(upstream_id):
        raise ExchangeError(
            f"an upstream id longer than {MAX_UPSTREAM_ID_CHARS} characters "
            "or with control characters",
            exchange=exchange,
        )
    return upstream_id


__all__ = ["ACTOR_PREFIX", "Counts", "PageApplier", "Target", "value_digest"]
