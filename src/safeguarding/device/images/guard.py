"""ImageGuard: for a child's account, every image sent or received is checked on the device
before it is shown or sent. A likely nude image comes back blurred, with a warning and the
choices the app offers (view anyway / don't send / block / report / get help), as Apple's
Communication Safety does. Nothing leaves the device, and nothing is kept: the result
belongs to the app, for this one image.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageFilter

from safeguarding.device.images.decode import ImageLimits, decode_image
from safeguarding.device.images.detector import NudityDetector
from safeguarding.device.images.warnings import (
    Direction,
    HelpRoute,
    SafetyWarning,
    warning_for,
)
from safeguarding.device.safety import help_routes as routes_for
from safeguarding.device.wording import DEFAULT_LOCALE, parse_locale

#: the blurred preview's longest side
PREVIEW_SIDE = 480
#: the preview keeps this many pixels on its longest side before it is blown up and blurred:
#: shapes and colours survive, nothing recognisable does
_PREVIEW_DETAIL = 16


@dataclass(frozen=True)
class ImageCheck:
    flagged: bool
    score: float
    detector: str
    labels: tuple[str, ...]
    #: a heavily blurred JPEG to show instead of the image (only when flagged)
    blurred: bytes | None = None
    warning: SafetyWarning | None = None


class ImageGuard:
    """`allow_override=False` drops "view anyway" and "send anyway", for younger children.
    `locale` ("en", "es", "pt", or with a country: "pt-BR") chooses the words and, unless
    `help_routes` are given, the country's routes (device/wording.py)."""

    def __init__(
        self,
        detector: NudityDetector,
        *,
        threshold: float | None = None,
        allow_override: bool = True,
        help_routes: tuple[HelpRoute, ...] | None = None,
        locale: str = DEFAULT_LOCALE,
        limits: ImageLimits | None = None,
    ) -> None:
        self.detector = detector
        self.threshold = detector.threshold if threshold is None else threshold
        self.allow_override = allow_override
        #: the warning's words (en, es, pt); the routes are the locale country's unless given
        self.language = parse_locale(locale).language
        self.help_routes = routes_for(locale) if help_routes is None else help_routes
        self.limits = limits or ImageLimits()

    def check(self, data: bytes, direction: Direction) -> ImageCheck:
        """Check untrusted image bytes; MediaError (with what is wrong) if they are not one."""
        return self.check_image(decode_image(data, self.limits), direction)

    def check_image(self, image: Image.Image, direction: Direction) -> ImageCheck:
        """Check an image the app has already decoded (RGB, upright)."""
        result = self.detector.score(image)
        if result.score < self.threshold:
            return ImageCheck(False, result.score, self.detector.name, result.labels)
        return ImageCheck(
            True,
            result.score,
            self.detector.name,
            result.labels,
            blurred=blur(image),
            warning=warning_for(
                Direction(direction),
                allow_override=self.allow_override,
                help_routes=self.help_routes,
                language=self.language,
            ),
        )


def blur(image: Image.Image) -> bytes:
    """A JPEG of `image` reduced to a few pixels, enlarged and blurred."""
    scale = PREVIEW_SIDE / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    tiny = image.convert("RGB").copy()
    tiny.thumbnail((_PREVIEW_DETAIL, _PREVIEW_DETAIL), Image.Resampling.BOX)
    preview = tiny.resize(size, Image.Resampling.BILINEAR)
    preview = preview.filter(ImageFilter.GaussianBlur(max(size) / 40))
    out = io.BytesIO()
    preview.save(out, "JPEG", quality=70)
    return out.getvalue()
