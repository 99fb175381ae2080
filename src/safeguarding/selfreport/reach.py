"""Where a self-report's hashes went, as far as this platform can know: the uploads here
that matched them, and how many of those were removed (blocked at upload by the approved
bank's policy, or confirmed by a reviewer). Subscribers' own matches are known only when
they report them back (the feed's outcomes); until then the status page says it counts
this platform's only.

Read when the owner looks at the case, from the match evidence the cases package keeps:
an upload matching a report's PDQ, MD5 and SHA-256 at once is one match, and an upload
seen again (the same content in the same case) counts each time.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from safeguarding.banks.store import BankStore
from safeguarding.cases import records
from safeguarding.cases.model import Decision
from safeguarding.errors import NotFoundError
from safeguarding.selfreport.model import Reach

#: the match evidence's policy actions that removed the upload at once
REMOVING = ("block", "report")


def matches_of(
    session: Session, banks: BankStore, bank_names: tuple[str, ...], digests: list[tuple[str, str]]
) -> list[records.EntryMatch]:
    """The uploads here whose match evidence names one of these values' entries in these
    banks."""
    ids: list[int] = []
    for name in bank_names:
        try:
            ids += [e.id for e in banks.entries_with_digests(session, name, digests)]
        except NotFoundError:
            continue
    return records.entry_matches(session, ids) if ids else []


def local(
    session: Session, banks: BankStore, bank_names: tuple[str, ...], digests: list[tuple[str, str]]
) -> Reach:
    seen: dict[int, int] = {}
    removed: set[int] = set()
    for match in matches_of(session, banks, bank_names, digests) if digests else []:
        seen[match.case_id] = max(seen.get(match.case_id, 0), match.occurrences)
        if match.action in REMOVING or match.decision is Decision.CONFIRM:
            removed.add(match.case_id)
    matched = sum(seen.values())
    return Reach(
        matched=matched,
        removed=sum(seen[c] for c in removed),
        platforms=1 if matched else 0,
    )
