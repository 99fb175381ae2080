"""Do-not-match additions summed for transparency reports, in SQL: each is a reviewer's
finding that a match was a false positive."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from safeguarding.banks.tables import BankRow, DoNotMatchRow
from safeguarding.store.periods import within


def do_not_match_added(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """signal type -> do-not-match entries added in the range (still listed)."""
    query = (
        select(DoNotMatchRow.signal_type, func.count())
        .where(within(DoNotMatchRow.added_at, start, end))
        .group_by(DoNotMatchRow.signal_type)
    )
    return {t: int(n) for t, n in session.execute(query)}


def bank_names() -> Select[int, str]:
    """(bank id, bank name) for other packages' figures to join."""
    return select(BankRow.id.label("bank_id"), BankRow.name.label("bank"))
