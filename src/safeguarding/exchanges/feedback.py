"""Feedback upstream: a reviewer's outcome on a match to an entry an exchange lists
(confirmed, false positive) goes back to that exchange, as its kind allows (StopNCII's
SubmitFeedback, a Safeguarding publisher's outcomes endpoint ...).

A match an entry's bank blocked without review is fed back too, as `blocked` (matched and
removed), to kinds whose upstream takes counts (`counts_blocks`: a Safeguarding publisher),
when the case opens. Their reports are named per case, exchange and entry (`period`), so a
reviewer's later verdict on the same match replaces the block's report upstream instead of
counting the upload twice; a block's report still waiting when the verdict is written is
dropped, so a late retry never undoes the verdict.

`queue` runs in the transaction that records the decision and writes one outbox item per
(exchange, entry) claim, so a crash cannot lose one: the decision and its feedback commit
together or not at all. The outbox (delivery/outbox.py) then calls `deliver`, which sends
it with the exchange's kind over bounded HTTP; a failure is retried with backoff, each
attempt with the same key, until `webhook_max_attempts`, then it waits, dead, for a person
(`outbox retry`). An exchange removed meanwhile took its credentials with it: its feedback
is dropped (logged), as there is no one left to send it to.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguarding.banks.store import BankStore
from safeguarding.delivery.outbox import Delivery, enqueue, sent_payloads
from safeguarding.errors import NotFoundError
from safeguarding.exchanges.fetcher import Fetcher
from safeguarding.exchanges.kinds import KINDS, get_kind
from safeguarding.exchanges.kinds.base import Feedback, Verdict
from safeguarding.exchanges.service import ExchangeService
from safeguarding.exchanges.tables import ExchangeClaimRow, ExchangeRow

log = logging.getLogger(__name__)

#: the outbox channel and event of feedback upstream (stored: never rename)
CHANNEL = "exchange-feedback"
EVENT = "exchange.feedback"


class ExchangeFeedback:
    def __init__(self, exchanges: ExchangeService, banks: BankStore, fetcher: Fetcher) -> None:
        self.exchanges = exchanges
        self.banks = banks
        self.fetcher = fetcher

    def queue(
        self,
        session: Session,
        case_id: int,
        version: int,
        entry_ids: Sequence[int],
        verdict: Verdict,
    ) -> int:
        """Write the feedback a decision (or a block, `Verdict.BLOCKED`) owes, in its
        transaction: one outbox item per claim an exchange that takes feedback holds on
        these entries. Returns how many."""
        if not entry_ids:
            return 0
        claims = session.execute(
            select(
                ExchangeClaimRow.entry_id,
                ExchangeClaimRow.upstream_id,
                ExchangeRow.id,
                ExchangeRow.name,
                ExchangeRow.kind,
                ExchangeRow.options,
                ExchangeRow.credential_names,
            )
            .join(ExchangeRow, ExchangeRow.id == ExchangeClaimRow.exchange_id)
            .where(ExchangeClaimRow.entry_id.in_(sorted(set(entry_ids))))
            .order_by(ExchangeRow.id, ExchangeClaimRow.entry_id)
        ).all()
        if not claims:
            return 0
        entries = {e.id: e for e, _ in self.banks.entries_with_banks(session, entry_ids)}
        blocked = verdict is Verdict.BLOCKED
        sent = (
            {(p.get("exchange"), p.get("value")) for p in sent_payloads(session, case_id, EVENT)}
            if blocked
            else set()
        )
        queued = 0
        for entry_id, upstream_id, exchange_id, name, kind, options, credentials in claims:
            known = KINDS.get(kind)
            entry = entries.get(entry_id)
            if entry is None or known is None or not known.takes_feedback(options, credentials):
                continue
            if blocked and (not known.counts_blocks or (name, entry.value) in sent):
                continue  # a person's verdict only; or the block was told already
            counts = {"period": f"case-{case_id}-x{exchange_id}-e{entry_id}"}
            enqueue(
                session,
                CHANNEL,
                EVENT,
                {
                    "exchange": name,
                    "kind": kind,
                    "signal_type": entry.signal_type,
                    "value": entry.value,
                    "upstream_id": upstream_id,
                    "verdict": verdict.value,
                    **(counts if known.counts_blocks else {}),
                },
                f"case-{case_id}-{'blocked' if blocked else f'v{version}'}"
                f"-feedback-x{exchange_id}-e{entry_id}",
                case_id=case_id,
            )
            queued += 1
        return queued

    def on_verdict(
        self,
        session: Session,
        case_id: int,
        version: int,
        entry_ids: Sequence[int],
        confirmed: bool,
    ) -> int:
        """`queue` as cases/consequences.py calls it (its OnVerdict)."""
        verdict = Verdict.CONFIRMED if confirmed else Verdict.FALSE_POSITIVE
        return self.queue(session, case_id, version, entry_ids, verdict)

    def _superseded(self, delivery: Delivery) -> bool:
        """A block's report whose case a reviewer has decided since: the verdict, under the
        same period, says it all (sent after it, the block's would undo a false positive)."""
        payload = delivery.payload
        if payload.get("verdict") != Verdict.BLOCKED or delivery.case_id is None:
            return False
        with self.exchanges.db.read() as session:
            return any(
                p.get("period") == payload.get("period") and p.get("verdict") != Verdict.BLOCKED
                for p in sent_payloads(session, delivery.case_id, EVENT)
            )

    def on_blocked(self, session: Session, case_id: int, entry_ids: Sequence[int]) -> int:
        """`queue` for a match the entries' banks blocked without review, as
        cases/consequences.py calls it when the case opens (its OnBlocked)."""
        return self.queue(session, case_id, 0, entry_ids, Verdict.BLOCKED)

    def deliver(self, delivery: Delivery) -> None:
        """Send one outbox item upstream (the outbox retries it when this raises)."""
        payload = delivery.payload
        if self._superseded(delivery):
            log.info("blocked outcome %s dropped: a reviewer's verdict replaces it", delivery.id)
            return
        try:
            exchange = self.exchanges.get(str(payload["exchange"]))
        except NotFoundError:
            exchange = None
        if exchange is None or exchange.kind != payload["kind"]:
            log.warning(
                "feedback %s dropped: exchange %r was removed", delivery.id, payload["exchange"]
            )
            return
        get_kind(exchange.kind).send_feedback(
            self.fetcher.source(exchange),
            Feedback(
                payload["signal_type"],
                payload["value"],
                payload.get("upstream_id"),
                Verdict(payload["verdict"]),
                str(payload.get("period") or delivery.idempotency_key),
            ),
        )
