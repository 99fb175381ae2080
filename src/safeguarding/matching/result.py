"""What a match reports: where it was found and how close, never the content."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from safeguarding.banks.model import Action

_SEVERITY = {Action.REVIEW: 1, Action.BLOCK: 2, Action.REPORT: 3}


@dataclass(frozen=True)
class Match:
    bank: str
    entry_id: int
    signal_type: str
    distance: float
    action: Action
    quality: int | None = None
    variant: str | None = None  # which dihedral PDQ variant of the query matched
    labels: list[str] = field(default_factory=list)
    source: str = ""
    source_ref: str | None = None
    detail: dict[str, float] = field(default_factory=dict)
    #: which stored view of the bank image matched (a centre crop, say); None: the image
    entry_view: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "bank": self.bank,
            "entry": self.entry_id,
            "signal_type": self.signal_type,
            "distance": self.distance,
            "quality": self.quality,
            "variant": self.variant,
            "action": self.action.value,
            "labels": self.labels,
            "source": self.source,
            "source_ref": self.source_ref,
            "entry_view": self.entry_view,
        }
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass(frozen=True)
class MatchResult:
    matches: list[Match]
    #: signal types whose matches a do-not-match entry suppressed
    suppressed: list[str] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return bool(self.matches)

    @property
    def action(self) -> Action | None:
        """The most severe action any match asks for."""
        if not self.matches:
            return None
        return max((m.action for m in self.matches), key=_SEVERITY.__getitem__)

    def as_dict(self) -> dict[str, Any]:
        return {
            "matched": self.matched,
            "action": self.action.value if self.action else None,
            "matches": [m.as_dict() for m in self.matches],
            "suppressed": self.suppressed,
        }
