"""A false positive puts every hash of the decided file on the do-not-match list (each view:
trimmed borders, centre crops, the 8 rotations and flips of each, MD5, SHA-256), so no view
of that file matches again. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pytest
from PIL import Image, ImageOps

from safeguarding.banks.model import Action
from safeguarding.cases.model import Decision, Subject
from safeguarding.demo import generated_image
from safeguarding.engine import Engine
from safeguarding.matching.matcher import QuerySignal
from tests.fakes.setup import Fakes, bank_of, response_engine, users

PICTURE = generated_image(21, (800, 600))


def _jpeg(image: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def _picture() -> Image.Image:
    return Image.open(io.BytesIO(PICTURE))


#: the listed copy of the picture (another encoding: its exact hashes are not the picture's)
LISTED = _jpeg(_picture(), quality=95)
#: the picture with a 20% black border: it matches the bank only through its trimmed view
PADDED = _jpeg(ImageOps.expand(_picture(), border=(160, 120), fill="black"))


def _crop(data: bytes, keep: float) -> bytes:
    image = Image.open(io.BytesIO(data))
    dx, dy = round(image.width * (1 - keep) / 2), round(image.height * (1 - keep) / 2)
    return _jpeg(image.crop((dx, dy, image.width - dx, image.height - dy)))


def _turned(data: bytes, turn: Callable[[Image.Image], Image.Image]) -> bytes:
    return _jpeg(turn(Image.open(io.BytesIO(data))))


#: other views of the decided file that matched the bank before the decision
VARIANTS = {
    "the same file": PADDED,
    "re-encoded": _jpeg(Image.open(io.BytesIO(PADDED)), quality=60),
    "rotated": _turned(PADDED, lambda i: i.rotate(90, expand=True)),
    "mirrored": _turned(PADDED, ImageOps.mirror),
    "cropped 5%": _crop(PADDED, 0.95),
    "the picture inside": PICTURE,
}


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    instance = response_engine(db_url, Fakes(), webhook_url="http://127.0.0.1:9/hooks")
    yield instance
    instance.close()


def test_every_view_of_a_false_positive_stops_matching(engine: Engine) -> None:
    reviewer, _, _ = users(engine)
    bank_of(engine, [LISTED], "hotline", Action.BLOCK)
    _, result, opened = engine.match_upload(PADDED, content_id="post-1")
    assert opened is not None and result.action is Action.BLOCK
    assert {m.variant for m in result.matches} >= {"trimmed/original"}
    for name, data in VARIANTS.items():  # each view matches before the decision
        assert engine.match_bytes(data)[1].matched, name
    engine.cases.decide(
        opened.case.id,
        reviewer,
        Decision.FALSE_POSITIVE,
        "a benign meme",
        version=opened.case.version,
    )
    engine.matcher.refresh()
    for i, (name, data) in enumerate(VARIANTS.items()):
        _, again, case = engine.match_upload(data, content_id=f"post-{i + 2}")
        assert not again.matched and again.suppressed, name
        assert case is None, name
    listed = {(e.signal_type, e.value) for e in engine.banks.list_do_not_match()}
    hashes = engine.hash_bytes(PADDED, dihedral=True)
    trimmed = next(s for s in hashes.signals if s.view == "trimmed")
    assert {("pdq", v) for v in trimmed.rotations} <= listed  # the view that matched
    assert ("md5", hashes.primary()["md5"]) in listed
    assert len([t for t, _ in listed if t == "pdq"]) == 4 * 8  # image, trimmed, 2 crops


def test_signals_sent_precomputed_go_on_the_list_as_given(engine: Engine) -> None:
    reviewer, _, _ = users(engine)
    bank_of(engine, [PICTURE])
    every = engine.hash_bytes(PADDED, dihedral=True)
    trimmed = next(s for s in every.signals if s.view == "trimmed")
    md5 = every.primary()["md5"]
    result = engine.match_signals([QuerySignal("pdq", trimmed.value, 100), QuerySignal("md5", md5)])
    given = [
        {"type": "pdq", "view": None, "value": trimmed.value},
        {"type": "md5", "view": None, "value": md5},
    ]
    opened = engine.open_match_case(
        result, {"pdq": trimmed.value, "md5": md5}, Subject("post-1"), None, given
    )
    assert opened is not None
    engine.cases.decide(
        opened.case.id, reviewer, "false_positive", "fine", version=opened.case.version
    )
    listed = {(e.signal_type, e.value) for e in engine.banks.list_do_not_match()}
    assert listed == {("pdq", trimmed.value), ("md5", md5)}
