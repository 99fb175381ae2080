"""Exchange kinds by their stored name."""

from __future__ import annotations

from safeguarding.errors import InvalidInputError
from safeguarding.exchanges.kinds.base import ExchangeKind, Option
from safeguarding.exchanges.kinds.feed import FeedExchange
from safeguarding.exchanges.kinds.file import FileExchange
from safeguarding.exchanges.kinds.ncmec import Ncmec
from safeguarding.exchanges.kinds.stopncii import StopNcii
from safeguarding.exchanges.kinds.tat import Tat
from safeguarding.exchanges.kinds.threatexchange import ThreatExchange

KINDS: dict[str, type[ExchangeKind]] = {
    k.name: k for k in (FileExchange, FeedExchange, StopNcii, Ncmec, ThreatExchange, Tat)
}


def get_kind(name: object) -> type[ExchangeKind]:
    found = KINDS.get(name) if isinstance(name, str) else None
    if found is None:
        raise InvalidInputError(
            "kind", f"must be one of {', '.join(KINDS)}, not {str(name)[:60]!r}"
        )
    return found


__all__ = ["KINDS", "ExchangeKind", "Option", "get_kind"]
