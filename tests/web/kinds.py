"""One case of each kind, as the platform's calls would open them, for the page tests, the
accessibility sweep and the screenshots in docs/review.md. Benign images and non-explicit
chat text only."""

from __future__ import annotations

import io
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np
from PIL import Image

from safeguarding.banks.model import Action
from safeguarding.cases import intake
from safeguarding.cases.model import Subject
from safeguarding.conversation.analyzer import Message
from safeguarding.demo import generated_image
from safeguarding.engine import Engine
from tests.fakes.setup import bank_of

#: an adult grooming a child, in the words of the tactics the engine looks for
GROOMING = [
    ("u1", "hey you seem really mature for your age"),
    ("kid", "thanks"),
    ("u1", "how old are you?"),
    ("kid", "im 13"),
    ("u1", "im 24. dont tell your parents we talk ok, its our secret"),
    ("u1", "add me on snap its more private"),
    ("u1", "are your parents home right now?"),
    ("u1", "send me a pic of you"),
]


def benign_video(seconds: int = 4, fps: int = 5, size: tuple[int, int] = (320, 240)) -> bytes:
    """An MP4 of generated pictures, a different one each second (made here, benign)."""
    pictures = [
        np.asarray(Image.open(io.BytesIO(generated_image(20 + s, size))).convert("RGB"))
        for s in range(seconds)
    ]
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as out:
        stream = out.add_stream("mpeg4", rate=fps)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, fps)
        for i in range(seconds * fps):
            frame = av.VideoFrame.from_ndarray(pictures[i // fps], format="rgb24")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return buffer.getvalue()


@dataclass(frozen=True)
class Kinds:
    match: int
    conversation: int
    report: int  # with a video preview (four keyframes)
    earlier: int  # an earlier, decided case of the match's account
    self_report: int = 0  # a self-report's case in the hotline queue, where one was made


def open_each_kind(engine: Engine, decider_name: str = "sam") -> Kinds:
    image = generated_image(5)
    bank_of(engine, [image], "hotline-list", Action.REPORT, source="ncmec")
    bank_of(engine, [image, generated_image(6)], "local-confirmed")
    earlier = engine.cases.open(
        intake.from_user_report("other", "spam links", Subject("post-1", "acct-7")), "key:t"
    ).case.id
    decider = next(u for u in engine.users.list() if u.username == decider_name)
    engine.cases.decide(earlier, decider, "false_positive", "only spam", version=1)
    hashes, result = engine.match_bytes(image)
    opened = engine.open_match_case(result, hashes.primary(), Subject("post-42", "acct-7"))
    assert opened is not None
    engine.previews.add(opened.case.id, generated_image(7), "post-42.jpg", "key:t")
    engine.conversations.add_messages("chat-9", [Message(s, t) for s, t in GROOMING])
    conversation = next(
        c.id
        for c in engine.cases.queue(per_page=200).cases
        if c.subject.conversation_id == "chat-9"
    )
    report = engine.cases.open(
        intake.from_user_report(
            "grooming", "keeps asking my age", Subject(account_id="acct-8"), reporter="user-9"
        ),
        "key:t",
    ).case.id
    engine.previews.add(report, benign_video(), "clip.mp4", "key:t")
    return Kinds(opened.case.id, conversation, report, earlier)
