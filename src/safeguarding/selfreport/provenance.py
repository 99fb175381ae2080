"""Whether a match is a person's self-report and nothing else: then a reviewer's
confirmation never copies its hash into the confirmed bank.

A self-report stays under its owner's control: withdrawn, its hashes stop matching
everywhere (docs/self-report.md). The confirmed bank is what reviewers decided here, which no
feed changes (docs/exchanges.md), so a self-reported hash copied into it would match for
ever: a hostile self-report confirmed by mistake would become permanent. The reviewer's
decision on the item stands (it stays removed, a report is drafted); only the copy is not
made, and the case page says why.

A matched entry is a self-report when its bank's source is `self_report` (the portal's
banks here), or when an exchange put it in its bank and every exchange that lists it listed
it from a feed of a `self_report` bank (the `self-report` label the feed kind gives them).
A case is left out of the confirmed bank when every list it matched is a self-report: a
hash an NCMEC list or a partner's feed also holds is confirmed as usual.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from safeguarding.banks.model import SELF_REPORTED, BankSource
from safeguarding.banks.store import BankStore
from safeguarding.exchanges.apply import ACTOR_PREFIX
from safeguarding.exchanges.claims import ClaimStore

#: what the case page says instead of "adds the hashes to the confirmed list", before and
#: after the decision
KEPT_OUT = (
    "The file's hashes are not added to the list {bank!r}: self-reported images stay under "
    "the person's control: the hash matches while the self-report stands."
)


def only_self_reported(
    session: Session, banks: BankStore, matches: Sequence[Mapping[str, Any]]
) -> bool:
    """Whether every match (a case's match evidence: bank source and entry id) is of a
    self-reported hash; False when there is none."""
    if not matches:
        return False
    fed: dict[int, Mapping[str, Any]] = {}
    for match in matches:
        if match.get("source") == BankSource.SELF_REPORT:
            continue
        entry = match.get("entry")
        if not isinstance(entry, int):
            return False
        fed[entry] = match
    if not fed:
        return True
    claims = ClaimStore().labels(session, list(fed))
    live = {entry.id: entry for entry, _ in banks.entries_with_banks(session, list(fed))}
    for entry, match in fed.items():
        if entry not in live:
            # withdrawn since it matched: what the entry was when it matched
            if SELF_REPORTED not in (match.get("labels") or []):
                return False
        elif not (
            live[entry].added_by.startswith(ACTOR_PREFIX)
            and claims.get(entry)
            and all(SELF_REPORTED in labels for labels in claims[entry])
        ):
            return False
    return True
