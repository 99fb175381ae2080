"""A test double for `NudityDetector` and the conformance suite every detector passes.

`MarkerDetector` calls an image "nude" by a marker colour (pure magenta), so tests and
demonstrations exercise the whole warning path with benign generated pictures: nothing that
shows a person is ever needed. It is a real detector of its marker, not a stub: its score is
the share of marker pixels.
"""

from __future__ import annotations

from PIL import Image, ImageDraw

from safeguarding.device.images.detector import NudityDetector, NudityScore

MARKER = (255, 0, 255)
#: how close (per channel) a pixel must be to the marker: JPEG moves colours a little
_TOLERANCE = 40


class MarkerDetector:
    """Scores the share of marker-coloured pixels, x4 (a quarter of the image scores 1)."""

    name = "marker-test-double"
    threshold = 0.5

    def score(self, image: Image.Image) -> NudityScore:
        small = image.convert("RGB").resize((64, 64), Image.Resampling.NEAREST)
        raw = small.tobytes()
        hits = sum(
            1
            for i in range(0, len(raw), 3)
            if all(abs(raw[i + c] - MARKER[c]) <= _TOLERANCE for c in range(3))
        )
        share = hits / (64 * 64)
        score = min(1.0, 4 * share)
        return NudityScore(score, ("MARKER",) if score >= self.threshold else ())


def marker_image(width: int = 640, height: int = 480, share: float = 0.3) -> Image.Image:
    """A benign landscape-like picture with a magenta block covering `share` of it."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    ImageDraw.Draw(image).ellipse(
        (width // 10, height // 10, width // 2, height // 2), fill=(40, 120, 60)
    )
    if share > 0:
        side = (share * width * height) ** 0.5
        left, top = width - int(side) - 1, height - int(side) - 1
        ImageDraw.Draw(image).rectangle((left, top, width - 1, height - 1), fill=MARKER)
    return image


def check_detector(detector: NudityDetector) -> None:
    """Raise AssertionError unless `detector` keeps the interface's promises: a name, a
    threshold in (0, 1], scores in [0, 1] for any size and aspect, the same score for the
    same pixels, and labels only when the score reaches the threshold."""
    assert isinstance(detector, NudityDetector), "missing name, threshold or score()"
    assert isinstance(detector.name, str) and detector.name
    assert 0 < detector.threshold <= 1
    cases = [
        marker_image(640, 480, 0),
        marker_image(640, 480, 0.5),
        marker_image(1, 1, 0),
        marker_image(2000, 40, 0),
        marker_image(40, 2000, 0.3),
        Image.new("RGB", (300, 300), (255, 255, 255)),
        Image.new("RGB", (300, 300)),
    ]
    for image in cases:
        first, second = detector.score(image), detector.score(image.copy())
        assert isinstance(first, NudityScore)
        assert 0.0 <= first.score <= 1.0, f"score {first.score} outside [0, 1]"
        assert first == second, "the same pixels scored twice differently"
        assert not first.labels or first.score >= detector.threshold
