"""The detector the `new_imagery_detector` setting names: none ("off", the default), or
NudeNet's packaged model through the device library's adapter (the `nudenet` extra). The
model is loaded when the engine starts, so a missing extra is told then, not at the first
report."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from safeguarding.device.images import NudityDetector


def detector_for(name: str) -> NudityDetector | None:
    """None for "off"; MissingDependencyError (naming the extra) when NudeNet's is absent."""
    if name == "off":
        return None
    from safeguarding.device.images import NudeNetDetector

    return NudeNetDetector()
