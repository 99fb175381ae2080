"""ImageGuard with the marker test double: blur and warning with choices as data, nothing
sent anywhere, and bad image bytes refused clearly."""

from __future__ import annotations

import io
import socket

import pytest
from PIL import Image, ImageFilter, ImageStat

from safeguarding.device.images import (
    UK_HELP,
    ChoiceId,
    Direction,
    ImageGuard,
    ImageLimits,
    MarkerDetector,
    check_detector,
    decode_image,
    marker_image,
)
from safeguarding.errors import CorruptMediaError, MediaLimitError, UnsupportedMediaError


def encoded(image: Image.Image, fmt: str = "JPEG", **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def test_the_test_double_keeps_the_detector_promises() -> None:
    check_detector(MarkerDetector())


def test_a_benign_picture_passes_untouched() -> None:
    result = ImageGuard(MarkerDetector()).check(encoded(marker_image(share=0)), Direction.INCOMING)
    assert not result.flagged and result.blurred is None and result.warning is None
    assert result.detector == "marker-test-double" and result.score < 0.5


def test_an_incoming_flagged_picture_is_blurred_with_choices() -> None:
    original = marker_image(800, 600, share=0.3)
    original.paste(Image.effect_noise((300, 200), 90).convert("RGB"), (20, 350))  # detail
    result = ImageGuard(MarkerDetector()).check(encoded(original), Direction.INCOMING)
    assert result.flagged and result.labels == ("MARKER",)
    assert result.warning is not None and result.blurred is not None
    assert [c.id for c in result.warning.choices] == [
        ChoiceId.DONT_VIEW,
        ChoiceId.VIEW_ANYWAY,
        ChoiceId.BLOCK_SENDER,
        ChoiceId.REPORT,
        ChoiceId.GET_HELP,
    ]
    assert "not your fault" in " ".join(result.warning.paragraphs)
    assert result.warning.help == UK_HELP
    preview = Image.open(io.BytesIO(result.blurred))
    assert preview.format == "JPEG" and max(preview.size) == 480
    assert preview.size[0] / preview.size[1] == pytest.approx(800 / 600, rel=0.01)

    # no detail survives: edges in the preview are a small fraction of the original's
    def edges(image: Image.Image) -> float:
        grey = image.convert("L").resize((480, 360))
        return float(ImageStat.Stat(grey.filter(ImageFilter.FIND_EDGES)).mean[0])

    assert edges(preview) < edges(original) / 5


def test_outgoing_choices_and_no_override_for_younger_children() -> None:
    data = encoded(marker_image(share=0.5))
    outgoing = ImageGuard(MarkerDetector()).check(data, Direction.OUTGOING)
    assert outgoing.warning is not None
    assert [c.id for c in outgoing.warning.choices] == [
        ChoiceId.DONT_SEND,
        ChoiceId.SEND_ANYWAY,
        ChoiceId.GET_HELP,
    ]
    strict = ImageGuard(MarkerDetector(), allow_override=False)
    for direction in Direction:
        warning = strict.check(data, direction).warning
        assert warning is not None
        ids = {c.id for c in warning.choices}
        assert not ids & {ChoiceId.VIEW_ANYWAY, ChoiceId.SEND_ANYWAY}
        assert ChoiceId.GET_HELP in ids


def test_the_threshold_can_be_set_by_the_app() -> None:
    data = encoded(marker_image(share=0.05))
    assert not ImageGuard(MarkerDetector()).check(data, Direction.INCOMING).flagged
    assert ImageGuard(MarkerDetector(), threshold=0.1).check(data, Direction.INCOMING).flagged


def test_nothing_is_sent_anywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the device library opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    result = ImageGuard(MarkerDetector()).check(encoded(marker_image()), Direction.INCOMING)
    assert result.flagged


def test_the_picture_is_decoded_upright_and_small() -> None:
    image = marker_image(3000, 1000, share=0)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90 degrees: shown as 1000 x 3000
    decoded = decode_image(encoded(image, exif=exif))
    assert decoded.size == (341, 1024) and decoded.mode == "RGB"


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "L", "I;16", "F", "CMYK", "1"])
def test_every_mode_becomes_rgb(mode: str) -> None:
    image = (
        marker_image(64, 48).convert(mode)
        if mode not in ("I;16", "F")
        else Image.linear_gradient("L").convert("I").point(lambda v: v * 200).convert(mode)
    )
    fmt = "TIFF" if mode in ("I;16", "F", "CMYK") else "PNG"
    decoded = decode_image(encoded(image, fmt))
    assert decoded.mode == "RGB"
    if mode in ("I;16", "F"):  # scaled by their range, not clipped to white
        assert decoded.getextrema()[0] == (0, 255)


def test_bad_bytes_are_refused_clearly() -> None:
    with pytest.raises(UnsupportedMediaError, match="not an image"):
        decode_image(b"hello, this is text")
    data = encoded(marker_image())
    with pytest.raises(CorruptMediaError, match="broken or truncated"):
        decode_image(data[: len(data) // 2])
    with pytest.raises(MediaLimitError, match="file bytes"):
        decode_image(data, ImageLimits(max_bytes=100))
    with pytest.raises(MediaLimitError, match="pixels 307200 exceeds the limit of 1000"):
        decode_image(data, ImageLimits(max_pixels=1000))
