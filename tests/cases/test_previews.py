"""Previews on SQLite and PostgreSQL: revealing one quarter sends only that quarter's pixels,
cut on the server, and the audit trail says which part was shown."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from safeguarding.cases import intake
from safeguarding.cases.model import Subject
from safeguarding.cases.previews import REGIONS
from safeguarding.engine import Engine
from safeguarding.errors import InvalidInputError

#: a flat colour in each quarter, so the colour of what comes back says which part it is
COLOURS = {"top-left": (200, 30, 30), "top-right": (30, 200, 30),
           "bottom-left": (30, 30, 200), "bottom-right": (220, 220, 40)}


def _quarters(width: int = 400, height: int = 300) -> bytes:
    image = Image.new("RGB", (width, height))
    for name, colour in COLOURS.items():
        left = width // 2 if "right" in name else 0
        top = height // 2 if "bottom" in name else 0
        image.paste(colour, (left, top, left + width // 2, top + height // 2))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _case(engine: Engine) -> int:
    return engine.cases.open(intake.from_user_report("csam", "", Subject("c1")), "t").case.id


def test_a_quarter_reveal_sends_only_that_quarter(engine: Engine) -> None:
    case_id = _case(engine)
    preview = engine.previews.add(case_id, _quarters(), "q.png", "t")
    whole = _open(engine.previews.render(case_id, preview, "user:rita", reveal=True))
    assert whole.size == (400, 300)
    for region, colour in COLOURS.items():
        part = _open(engine.previews.render(case_id, preview, "user:rita", reveal=True,
                                            region=region))
        assert part.size == (200, 150), region
        # this quarter's colour (JPEG's error aside), and room for nothing else
        mean = np.asarray(part.convert("RGB"), dtype=float).mean(axis=(0, 1))
        assert np.abs(mean - colour).max() < 12, (region, mean)
    with pytest.raises(InvalidInputError, match="region"):
        engine.previews.render(case_id, preview, "user:rita", reveal=True, region="middle")
    with engine.db.read() as session:
        reveals = engine.audit.recent(session, action="evidence.reveal")
    # newest first; the refused one recorded nothing
    assert [e.details["region"] for e in reversed(reveals)] == ["whole", *COLOURS]
    assert {e.details["preview"] for e in reveals} == {preview}
    assert set(REGIONS) == {"whole", *COLOURS}
