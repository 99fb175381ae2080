"""Previews on SQLite and PostgreSQL: revealing one quarter sends only that quarter's pixels,
cut on the server, and the audit trail says which part was shown; a video is kept as four
keyframes spread over it, decoded within the media limits."""

from __future__ import annotations

import io
from datetime import timedelta

import numpy as np
import pytest
from PIL import Image

from safeguarding.audit.events import Event
from safeguarding.cases import intake
from safeguarding.cases.keyframes import keyframe_sheet, spread
from safeguarding.cases.model import KEYFRAMES_TYPE, Subject
from safeguarding.cases.previews import REGIONS, Previews
from safeguarding.engine import Engine
from safeguarding.errors import CorruptMediaError, InvalidInputError, MediaLimitError
from safeguarding.media.limits import MediaLimits
from tests.media.test_video import make_video

#: a flat colour in each quarter, so the colour of what comes back says which part it is
COLOURS = {
    "top-left": (200, 30, 30),
    "top-right": (30, 200, 30),
    "bottom-left": (30, 30, 200),
    "bottom-right": (220, 220, 40),
}


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
        part = _open(
            engine.previews.render(case_id, preview, "user:rita", reveal=True, region=region)
        )
        assert part.size == (200, 150), region
        # this quarter's colour (JPEG's error aside), and room for nothing else
        mean = np.asarray(part.convert("RGB"), dtype=float).mean(axis=(0, 1))
        assert np.abs(mean - colour).max() < 12, (region, mean)
    with pytest.raises(InvalidInputError, match="region"):
        engine.previews.render(case_id, preview, "user:rita", reveal=True, region="middle")
    with engine.db.read() as session:
        reveals = engine.audit.recent(session, action=Event.EVIDENCE_REVEAL)
    # newest first; the refused one recorded nothing
    assert [e.details["region"] for e in reversed(reveals)] == ["whole", *COLOURS]
    assert {e.details["preview"] for e in reveals} == {preview}
    assert set(REGIONS) == {"whole", *COLOURS}


def test_a_video_is_kept_as_four_keyframes_spread_over_it(engine: Engine) -> None:
    case_id = _case(engine)
    # 3 seconds, each frame a flat grey 8 levels lighter than the last
    video = make_video("mp4", "mpeg4", seconds=3.0, fps=10, size=(64, 48))
    preview = engine.previews.add(case_id, video, "clip.mp4", "key:t")
    stored = next(p for p in engine.cases.get(case_id).previews if p.id == preview)
    assert stored.media_type == KEYFRAMES_TYPE
    sheet = _open(engine.previews.render(case_id, preview, "user:rita", reveal=True))
    assert sheet.format == "JPEG" and sheet.size == (128, 96)
    greys = [
        float(
            np.asarray(
                _open(
                    engine.previews.render(
                        case_id, preview, "user:rita", reveal=True, region=region
                    )
                ).convert("L")
            ).mean()
        )
        for region in COLOURS
    ]
    # one keyframe per quarter, in time order, from the start to the end of the video
    assert greys == sorted(greys) and greys[0] < 20 and greys[-1] > 180, greys
    with engine.db.read() as session:
        added = engine.audit.recent(session, action=Event.PREVIEW_ADD)[0]
    # sampled 4 times a second (0, 0.3, 0.5, 0.8 ... 2.8 at 10 fps), four spread over them
    assert added.details["keyframes"] == [0.0, 1.0, 1.8, 2.8]
    blurred = _open(engine.previews.render(case_id, preview, "user:rita", reveal=False))
    assert blurred.mode == "L"  # the blurred rendering, as for an image


def test_a_video_past_the_limits_or_corrupt_is_refused_and_nothing_kept(engine: Engine) -> None:
    case_id = _case(engine)
    video = make_video("mp4", "mpeg4", seconds=3.0, fps=10)
    strict = Previews(
        engine.db, engine.audit, MediaLimits(max_video_decoded_frames=10), timedelta(days=1)
    )
    with pytest.raises(MediaLimitError, match="video frames decoded"):
        strict.add(case_id, video, "long.mp4", "key:t")
    with pytest.raises(CorruptMediaError):
        engine.previews.add(case_id, video[:40] + b"\0" * 200, "broken.mp4", "key:t")
    assert engine.cases.get(case_id).previews == []


def test_keyframes_are_spread_over_the_whole_of_a_long_video() -> None:
    assert spread(2, 4) == [0, 1]
    assert spread(4, 4) == [0, 1, 2, 3]
    assert spread(64, 4) == [0, 21, 42, 63]
    # 160 frames sampled, five times the 32 thumbnails held: thinned to every 8th, the
    # four still spread from the start to the end
    video = make_video("webm", "libvpx", seconds=40.0, fps=4, size=(32, 24))
    sheet, times = keyframe_sheet(video, MediaLimits())
    assert sheet.size == (64, 48) and times == [0.0, 12.0, 26.0, 38.0]
    # a clip shorter than four samples: what there is, the rest of the sheet left grey
    sheet, times = keyframe_sheet(make_video("mp4", "mpeg4", seconds=0.3), MediaLimits())
    assert times == [0.0] and sheet.getpixel((sheet.width - 1, sheet.height - 1)) == (128, 128, 128)
