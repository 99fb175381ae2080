"""On-device image protection: a pluggable nudity detector, and the guard that blurs and
warns. `nudenet.NudeNetDetector` needs the `nudenet` extra; nothing here needs numpy
otherwise."""

from safeguarding.device.images.decode import ImageLimits, decode_image
from safeguarding.device.images.detector import NudityDetector, NudityScore
from safeguarding.device.images.guard import ImageCheck, ImageGuard, blur
from safeguarding.device.images.nudenet import NudeNetDetector
from safeguarding.device.images.testing import MarkerDetector, check_detector, marker_image
from safeguarding.device.images.warnings import (
    UK_HELP,
    Choice,
    ChoiceId,
    Direction,
    HelpRoute,
    SafetyWarning,
)
from safeguarding.device.safety import help_routes
from safeguarding.device.wording import LANGUAGES

__all__ = [
    "LANGUAGES",
    "UK_HELP",
    "Choice",
    "ChoiceId",
    "Direction",
    "HelpRoute",
    "ImageCheck",
    "ImageGuard",
    "ImageLimits",
    "MarkerDetector",
    "NudeNetDetector",
    "NudityDetector",
    "NudityScore",
    "SafetyWarning",
    "blur",
    "check_detector",
    "decode_image",
    "help_routes",
    "marker_image",
]
