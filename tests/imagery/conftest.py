"""Helpers for the new-imagery tests (here and tests/franking): generated benign pictures,
and what a case has queued for the platform and the authorities."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from safeguarding.delivery.tables import OutboxRow
from safeguarding.engine import Engine
from safeguarding.reporting.tables import ReportRow


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def sent(engine: Engine) -> tuple[list[str], int]:
    """The events queued for the platform, and the reports to authorities."""
    with engine.db.read() as session:
        events = sorted(session.scalars(select(OutboxRow.event)))
        return events, len(list(session.scalars(select(ReportRow.id))))
