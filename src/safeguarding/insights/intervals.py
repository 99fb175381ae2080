"""A count out of a total, with its share and Wilson score 95% interval: the one shape every
insights figure is reported in (platform shares, precision and recall, and later the
transparency report's rates).

Wilson, not the normal approximation: it stays inside 0-1 and is honest at 0 or 1 of a few
hundred, which small forces and rare platforms give. The formula lives with the conversation
metrics (`conversation.metrics.wilson`); this module gives it the insights' shape."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from safeguarding.conversation.metrics import wilson
from safeguarding.insights.figures import percent


@dataclass(frozen=True)
class Proportion:
    count: int
    total: int

    @property
    def share(self) -> float | None:
        return self.count / self.total if self.total else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """The Wilson score 95% interval of the share; None when there is no total."""
        return wilson(self.count, self.total) if self.total else None

    def percent(self, places: int = 0) -> Decimal | None:
        return percent(self.count, self.total, places)

    def as_dict(self) -> dict[str, object]:
        interval = self.interval
        return {
            "count": self.count,
            "total": self.total,
            "share": None if self.share is None else round(self.share, 6),
            "ci95": None if interval is None else [round(x, 6) for x in interval],
        }
