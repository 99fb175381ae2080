"""A bank published as a feed: `page(bank, cursor)` returns the bank's adds and removals
after `cursor` in commit order, from the banks' change log, as signed JSON bytes.

The cursor is a change-log id. On PostgreSQL ids are taken when a row is inserted but seen
when its transaction commits, so a later id can be visible while an earlier one is still
in flight; a page stops before any missing id whose successor was logged less than
GAP_SECONDS ago (the matcher's rule: a gap older than that was a rollback), so a subscriber
never passes a change that is about to appear. SQLite writers are serialised: no gaps.

A page: `{"format": 1, "feed", "source" (the bank's), "publisher" (key fingerprint),
"cursor", "next_cursor", "more", "changes": [{"op": "add"|"remove", "signal_type", "value",
"id", "labels"}]}`. A removal names the value it removed (the log keeps it), so the
subscriber can withdraw it. The source is the entries' provenance: a `self_report` feed's
hashes are people's own reports, which a subscriber never copies into its confirmed bank.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from safeguarding.audit.events import Event
from safeguarding.audit.log import AuditLog
from safeguarding.auth.keys import ApiKey
from safeguarding.banks.model import Bank
from safeguarding.banks.store import BankStore
from safeguarding.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from safeguarding.feeds.outcomes import (
    EntryOutcomes,
    Outcome,
    OutcomeReceipt,
    OutcomeStore,
    check_outcomes,
    check_period,
)
from safeguarding.feeds.signing import FeedKey
from safeguarding.feeds.tables import FeedGrantRow
from safeguarding.matching.matcher import GAP_SECONDS
from safeguarding.store.db import Database
from safeguarding.store.models import as_utc, utcnow

FORMAT = 1
MAX_PAGE = 10_000
#: change-log rows read per page at most (other banks' changes are passed over)
SCAN_FACTOR = 4
_KEY_ID = re.compile(r"[a-z0-9]{12}")


@dataclass(frozen=True)
class Grant:
    key_id: str
    bank: str
    granted_by: str
    granted_at: datetime


@dataclass(frozen=True)
class SignedPage:
    body: bytes
    headers: dict[str, str]
    changes: int
    next_cursor: int


class FeedService:
    def __init__(
        self,
        db: Database,
        banks: BankStore,
        audit: AuditLog,
        key: FeedKey | None = None,
        previous_key: FeedKey | None = None,
    ) -> None:
        self.db = db
        self.banks = banks
        self.audit = audit
        self.key = key
        self.previous_key = previous_key
        self.outcomes = OutcomeStore(banks)

    # --- grants ------------------------------------------------------------------------
    def grant(self, key_id: str, bank: str, actor: str) -> Grant:
        if not _KEY_ID.fullmatch(key_id):
            raise InvalidInputError(
                "key_id", "must be an API key id (12 lowercase letters and digits)"
            )
        with self.db.write() as session:
            target = self.banks.get(session, bank)
            row = FeedGrantRow(key_id=key_id, bank_id=target.id, granted_by=actor)
            try:
                with session.begin_nested():
                    session.add(row)
                    session.flush()
            except IntegrityError:
                raise ConflictError(f"key {key_id} already reads feed {bank!r}") from None
            self.audit.record(session, actor, Event.FEED_GRANT, f"bank:{bank}", key_id=key_id)
            return Grant(key_id, bank, actor, row.granted_at)

    def revoke(self, key_id: str, bank: str, actor: str) -> None:
        with self.db.write() as session:
            target = self.banks.get(session, bank)
            gone = session.execute(
                delete(FeedGrantRow).where(
                    FeedGrantRow.key_id == key_id, FeedGrantRow.bank_id == target.id
                )
            )
            if not gone.rowcount:  # type: ignore[attr-defined]
                raise NotFoundError(f"key {key_id[:20]!r} has no grant on feed {bank!r}")
            self.audit.record(session, actor, Event.FEED_REVOKE, f"bank:{bank}", key_id=key_id)

    def grants(self) -> list[Grant]:
        with self.db.read() as session:
            names = {b.id: b.name for b in self.banks.all(session)}
            rows = session.scalars(select(FeedGrantRow).order_by(FeedGrantRow.id))
            return [
                Grant(
                    r.key_id,
                    names.get(r.bank_id, ""),
                    r.granted_by,
                    as_utc(r.granted_at) or r.granted_at,
                )
                for r in rows
            ]

    def _granted(self, session: Session, bank: str, key: ApiKey) -> Bank:
        """The bank, when `key` was granted its feed; ForbiddenError otherwise, the same
        whether the bank exists or not (a key learns nothing of banks it may not read)."""
        try:
            target: Bank | None = self.banks.get(session, bank, count=False)
        except NotFoundError:
            target = None
        granted = target is not None and (
            "admin" in key.scopes
            or session.scalar(
                select(FeedGrantRow.id).where(
                    FeedGrantRow.key_id == key.key_id, FeedGrantRow.bank_id == target.id
                )
            )
            is not None
        )
        if target is None or not granted:
            raise ForbiddenError(f"this key is not granted the feed {str(bank)[:100]!r}")
        return target

    # --- outcomes ----------------------------------------------------------------------
    def report_outcomes(
        self, bank: str, period: object, outcomes: Sequence[Outcome], key: ApiKey
    ) -> OutcomeReceipt:
        """A subscriber's outcomes for `period` on the feed's entries (feeds/outcomes.py):
        they replace what the same key reported for that period, so a retry counts once."""
        checked_period = check_period(period)
        checked = check_outcomes(outcomes)
        with self.db.write() as session:
            self._granted(session, bank, key)
            receipt = self.outcomes.record(
                session, bank, key.key_id, checked_period, checked, utcnow()
            )
            self.audit.record(
                session,
                key.actor,
                Event.FEED_OUTCOMES,
                f"bank:{bank}",
                period=checked_period,
                accepted=receipt.accepted,
                unknown=receipt.unknown,
            )
        return receipt

    def entry_outcomes(
        self, bank: str, hashes: Sequence[tuple[str, str]] | None = None
    ) -> list[EntryOutcomes]:
        """Per entry of the bank's feed, how many subscribers matched, removed, or found a
        false positive in it (`hashes`: only these entries; None: every entry reported on).
        The portal's status page and the admin pages read this."""
        with self.db.read() as session:
            return self.outcomes.per_entry(session, bank, hashes)

    # --- pages -------------------------------------------------------------------------
    def page(self, bank: str, cursor: int, limit: int, key: ApiKey) -> SignedPage:
        if self.key is None:
            raise NotFoundError("this instance publishes no feeds (feed_key_file is unset)")
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInputError("limit", f"must be 1 to {MAX_PAGE}")
        with self.db.write() as session:
            target = self._granted(session, bank, key)
            postgres = session.get_bind().dialect.name == "postgresql"
            scan = limit * SCAN_FACTOR
            changes: list[dict[str, object]] = []
            last, more = cursor, False
            now = utcnow()
            rows = self.banks.iter_changes_with_values(session, cursor, scan)
            for seen, row in enumerate(rows, start=1):
                more = seen == scan  # the scan's last row: more may follow
                if (
                    postgres
                    and row.id > last + 1
                    and (now - (as_utc(row.at) or now)).total_seconds() < GAP_SECONDS
                ):
                    more = False  # an earlier change may still commit: stop before it
                    break
                last = row.id
                if row.bank_id == target.id and row.op in ("add", "remove") and row.value:
                    changes.append(
                        {
                            "op": row.op,
                            "signal_type": row.signal_type,
                            "value": row.value,
                            "id": str(row.entry_id),
                            "labels": row.labels,
                        }
                    )
                    if len(changes) >= limit:
                        more = True
                        break
            rows.close()
            body = json.dumps(
                {
                    "format": FORMAT,
                    "feed": bank,
                    "source": target.source,
                    "publisher": self.key.fingerprint,
                    "cursor": cursor,
                    "next_cursor": last,
                    "more": more,
                    "changes": changes,
                },
                separators=(",", ":"),
            ).encode()
            self.audit.record(
                session,
                key.actor,
                Event.FEED_READ,
                f"bank:{bank}",
                cursor=cursor,
                next_cursor=last,
                changes=len(changes),
            )
        return SignedPage(body, self.key.headers(body, self.previous_key), len(changes), last)
