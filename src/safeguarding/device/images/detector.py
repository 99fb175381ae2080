"""The detector interface: anything that scores an RGB image for nudity, from 0 to 1.

A detector is local and stateless, and sends nothing anywhere. The one shipped is NudeNet's
packaged ONNX model (`nudenet.NudeNetDetector`, an optional extra); tests and demonstrations
use `testing.MarkerDetector`. `testing.check_detector` is the conformance suite every
detector passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from PIL import Image


@dataclass(frozen=True)
class NudityScore:
    #: 0 (nothing found) to 1 (certain)
    score: float
    #: what the detector saw at or above its threshold, in its own words, for display
    labels: tuple[str, ...] = ()


@runtime_checkable
class NudityDetector(Protocol):
    #: a stable name, shown with each result
    name: str
    #: the score at and above which this detector's output means "nudity"
    threshold: float

    def score(self, image: Image.Image) -> NudityScore:
        """Score an RGB image of any size."""
        ...
