"""matplotlib, the `plot` extra and the project's one plotting library: imported only when a
chart is drawn, and only to write files (the Agg backend, never a window)."""

from __future__ import annotations

from typing import Any

from safeguarding.errors import MissingDependencyError


def pyplot(feature: str) -> Any:
    """matplotlib.pyplot, or an error naming the extra that `feature` needs."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingDependencyError("matplotlib", "plot", feature) from None
    return plt
