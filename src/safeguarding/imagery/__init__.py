"""New imagery, server side: media the platform may look at (a franked report's revealed
images, a report's review upload) scored by the device library's nudity detector, so a
likely nude image in a child-related case reaches a human sooner, labelled "possibly new
imagery, unverified". It never reports or blocks on its own (docs/device.md says why)."""

from safeguarding.imagery.detector import detector_for
from safeguarding.imagery.service import LABEL, NOTICE, Finding, NewImagery, child_related

__all__ = ["LABEL", "NOTICE", "Finding", "NewImagery", "child_related", "detector_for"]
