"""The table the insights package owns (migration 0019): match counters, one row per
minute, bank, signal type, surface and outcome. Only `insights/` reads or writes it. Names
are persistent: change them only by migration."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from safeguarding.store.models import Base


class MatchCountRow(Base):
    """How many items had one outcome in one minute (insights/counters.py says what the
    bank and signal type `*` mean). Counts, never which content: no per-upload row exists."""

    __tablename__ = "match_counts"

    # the primary key leads with the minute, so a report's period is one range scan
    minute: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    bank: Mapped[str] = mapped_column(String(100), primary_key=True)
    signal_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    surface: Mapped[str] = mapped_column(String(20), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(20), primary_key=True)
    total: Mapped[int] = mapped_column(BigInteger)
