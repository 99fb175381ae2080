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
from hashlib import sha256
from operator import attrgetter
from typing import Any

from sqlalchemy import Select
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
    """A page's records to (our type, canonical value), None for a type we do not know
    (counted, skipped): each upstream type name looked up once, and the values of one type
    checked together (`SignalType.validate_many`)."""

    def __init__(self, exchange: str) -> None:
        self.exchange = exchange

    def __call__(self, updates: Sequence[Update]) -> list[tuple[str, str] | None]:
        positions: dict[str, list[int]] = {}
        for i, name in enumerate(map(_SIGNAL_TYPE, updates)):
            positions.setdefault(name, []).append(i)
        converted: list[tuple[str, str] | None] = [None] * len(updates)
        for name, where in positions.items():
            signal_type = _known(name)
            if signal_type is None:
                continue
            try:
                values = signal_type.validate_many([updates[i].value for i in where])
            except SignalError as exc:
                raise ExchangeError(
                    f"a malformed {signal_type.name} value in the page: {exc}",
                    exchange=self.exchange,
                ) from None
            ours = signal_type.name
            for i, value in zip(where, values, strict=True):
                converted[i] = (ours, value)
        return converted


_SIGNAL_TYPE = attrgetter("signal_type")
_REMOVED = attrgetter("removed")


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
        converted = _Converter(target.exchange)(page.updates)
        if not any(map(_REMOVED, page.updates)):  # most pages: a list, nothing withdrawn
            skipped = converted.count(None)
            listed = {k: u for k, u in zip(converted, page.updates, strict=True) if k is not None}
        else:
            for key, update in zip(converted, page.updates, strict=True):
                if update.by_upstream_id:
                    by_id.append(_upstream_id(update.upstream_id, target.exchange) or "")
                elif key is None:
                    skipped += 1
                elif update.removed:  # a later record about the same hash wins
                    dropped[key] = update
                    listed.pop(key, None)
                else:
                    listed[key] = update
                    dropped.pop(key, None)
        added = self._add(session, target, listed, now, page.listings)
        removed = 0
        # tombstones set-based: what they name is staged and joined in the database
        if dropped:
            ids = self.banks.select_values(session, target.bank, list(dropped))
            self.claims.withdraw(session, target.exchange_id, ids)
            removed += self.drop_unclaimed(session, target, ids)
        if by_id:  # after this page's adds: an entry listed, then deleted, is deleted
            ids = self.listings.withdraw(session, target.exchange_id, by_id)
            self.claims.withdraw(session, target.exchange_id, ids)
            removed += self.drop_unclaimed(session, target, ids)
        if page.sweep_before is not None:
            before = datetime.fromisoformat(page.sweep_before)
            unseen = self.claims.withdraw_unseen(session, target.exchange_id, before)
            removed += self.drop_unclaimed(session, target, unseen)
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
        updates = list(listed.values())
        upstream_ids = _upstream_ids([u.upstream_id for u in updates], name)
        rows = [
            (signal_type, value, sha256(value.encode()).hexdigest(), labels, upstream_id)
            for (signal_type, value), labels, upstream_id in zip(
                listed,
                [_labels(u, name) if u.labels else "[]" for u in updates],
                upstream_ids,
                strict=True,
            )
        ]
        added, entries = self.banks.add_page(session, target.bank, rows, target.actor)
        self.claims.claim(session, target.exchange_id, entries, now)
        if listings:
            self.listings.record_selected(session, target.exchange_id, entries)
        return added

    def drop_unclaimed(
        self, session: Session, target: Target, ids: Sequence[int] | Select[Any]
    ) -> int:
        """Remove the entries among `ids` (or those the query selects) that no exchange
        claims and an exchange added (after a tombstone, a sweep, or the exchange's
        removal): one DELETE in the bank."""
        if target.protected:
            return 0
        if not isinstance(ids, Select):
            if not ids:
                return 0
            ids = self.banks.select_ids(session, ids)
        return self.banks.remove_selected(
            session, target.bank, self.claims.unclaimed(ids), added_by_prefix=ACTOR_PREFIX
        )


def _labels(update: Update, exchange: str) -> str:
    """The update's labels, checked, as the JSON text a page stages."""
    try:
        return json.dumps(check_labels(list(update.labels)))
    except InvalidBankError as exc:
        raise ExchangeError(f"bad labels in the page: {exc}", exchange=exchange) from None


def _upstream_ids(upstream_ids: list[str | None], exchange: str) -> list[str | None]:
    """`_upstream_id` of each, checked together (one pass over all of them joined)."""
    given = [i for i in upstream_ids if i is not None]
    if given and (max(map(len, given)) > MAX_UPSTREAM_ID_CHARS or _C0.search("".join(given))):
        for upstream_id in given:
            _upstream_id(upstream_id, exchange)
    return upstream_ids


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
