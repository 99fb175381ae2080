"""Recomputing the audit chain, with the key and the checkpoints when there are any.

What each check catches (docs/architecture.md has the threat model):
- every link: an altered, inserted or deleted event in the middle of the chain;
- the key: an event appended by someone without the key (its HMAC does not verify, or it
  is unkeyed after keyed events);
- the checkpoints: newest events deleted, the table emptied, or the chain rebuilt from
  scratch, back to the last checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguarding.audit.chain import GENESIS, event_hash, head
from safeguarding.audit.checkpoint import Checkpoint
from safeguarding.audit.keys import AuditKey
from safeguarding.audit.tables import AuditEventRow


@dataclass(frozen=True)
class ChainReport:
    events: int
    head: str
    problems: list[str]
    #: what was checked and what could not be (not failures)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _walk(session: Session, batch: int = 5000) -> Iterator[AuditEventRow]:
    after = 0
    while True:
        rows = list(
            session.scalars(
                select(AuditEventRow)
                .where(AuditEventRow.seq > after)
                .order_by(AuditEventRow.seq)
                .limit(batch)
            )
        )
        if not rows:
            return
        yield from rows
        after = rows[-1].seq or after
        session.expunge_all()


def _check_event(row: AuditEventRow, key: AuditKey | None, keyed_from: int | None) -> str | None:
    if row.key_id is None:
        if keyed_from is not None:
            return (
                f"event {row.seq} (id {row.id}, {row.action}) is not keyed although "
                f"events from {keyed_from} on are: appended without the audit key"
            )
        expected = event_hash(row, row.prev_hash or "")
    elif key is None or row.key_id != key.id:
        return f"event {row.seq} (id {row.id}) names another audit key ({row.key_id})"
    else:
        expected = event_hash(row, row.prev_hash or "", key)
    if expected != row.hash:
        return f"event {row.seq} (id {row.id}, {row.action}) was altered or forged"
    return None


def _check_checkpoints(
    checkpoints: Sequence[Checkpoint], seen: dict[int, str], last_seq: int
) -> list[str]:
    problems = []
    for checkpoint in checkpoints:
        where = f"the checkpoint of {checkpoint.at} (line {checkpoint.line})"
        if checkpoint.seq > last_seq:
            problems.append(
                f"the chain ends at event {last_seq} but {where} recorded event "
                f"{checkpoint.seq}: events were deleted"
                + (" (the audit table is empty)" if last_seq == 0 else "")
            )
        elif seen.get(checkpoint.seq) != checkpoint.hash:
            problems.append(f"event {checkpoint.seq} differs from {where}: the chain was replaced")
    return problems


def verify_chain(
    session: Session,
    *,
    key: AuditKey | None = None,
    checkpoints: Sequence[Checkpoint] = (),
    max_problems: int = 20,
) -> ChainReport:
    """Recompute every link; with `key`, every keyed event's HMAC; with `checkpoints`, that
    each checkpointed event is still there, unchanged. Without checkpoints, deleting the
    newest events leaves a valid shorter chain (compare `head` with one kept elsewhere)."""
    problems: list[str] = []
    wanted = {c.seq for c in checkpoints}
    seen: dict[int, str] = {}
    prev, expected_seq, count = GENESIS, 1, 0
    keyed_from: int | None = None
    unchecked = 0
    for row in _walk(session):
        count += 1
        seq = row.seq or 0
        if seq != expected_seq:
            problems.append(f"events {expected_seq}..{seq - 1} are missing")
        if row.prev_hash != prev:
            problems.append(f"event {seq} (id {row.id}) does not follow the event before it")
        if row.key_id is not None and key is None:
            unchecked += 1
        else:
            problem = _check_event(row, key, keyed_from)
            if problem:
                problems.append(problem)
        if row.key_id is not None and keyed_from is None:
            keyed_from = seq
        if seq in wanted:
            seen[seq] = row.hash or ""
        prev, expected_seq = row.hash or "", seq + 1
        if len(problems) >= max_problems:
            problems.append(f"stopped at event {seq} after {len(problems)} problems")
            return ChainReport(count, prev, problems)
    if unchecked:
        problems.append(
            f"{unchecked} events are keyed but no audit key was given: they "
            "cannot be checked (audit_key_file)"
        )
    last_seq = (head(session) or (0, ""))[0]
    problems += _check_checkpoints(checkpoints, seen, last_seq)
    unchained = session.scalar(select(AuditEventRow.id).where(AuditEventRow.seq.is_(None)).limit(1))
    if unchained is not None:
        problems.append(f"event id {unchained} is outside the chain")
    notes = []
    if keyed_from is not None:
        notes.append(
            f"keyed from event {keyed_from}"
            + (f"; events 1..{keyed_from - 1} predate the key" if keyed_from > 1 else "")
        )
    elif count:
        notes.append("not keyed: an appended event with a correct plain hash would pass")
    if checkpoints:
        last = max(checkpoints, key=lambda c: c.seq)
        notes.append(f"{len(checkpoints)} checkpoints, the last at event {last.seq} ({last.at})")
    return ChainReport(count, prev, problems, notes)
