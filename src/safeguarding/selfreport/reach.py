"""Where a self-report's hashes went, as far as this platform can know: the uploads here
that matched them, and how many of those were removed (blocked at upload by the approved
bank's policy, or confirmed by a reviewer). Subscribers' own matches are known only when
they report them back to the approved bank's feed (`POST /v1/feeds/{bank}/outcomes`,
feeds/outcomes.py): `reported` adds those, per picture (the largest count among a file's
hashes, as a subscriber reports each hash it matched), and the subscribers that matched
(the most that reported any one hash: a lower bound).

Read when the owner looks at the case, from the match evidence the cases package keeps:
an upload matching a report's PDQ, MD5 and SHA-256 at once is one match, and an upload
seen again (the same content in the same case) counts each time.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from safeguarding.banks.store import BankStore, value_digest
from safeguarding.cases import records
from safeguarding.cases.consequences import BLOCKING
from safeguarding.cases.model import Decision
from safeguarding.errors import NotFoundError
from safeguarding.feeds.outcomes import EntryOutcomes, OutcomeStore
from safeguarding.selfreport.model import Reach


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
        if match.action in BLOCKING or match.decision is Decision.CONFIRM:
            removed.add(match.case_id)
    matched = sum(seen.values())
    return Reach(
        matched=matched,
        removed=sum(seen[c] for c in removed),
        platforms=1 if matched else 0,
    )


def reported(
    session: Session,
    banks: BankStore,
    outcomes: OutcomeStore,
    bank: str,
    files: dict[tuple[str, str], int],
) -> tuple[int, int, int]:
    """What subscribers of `bank` reported back for the report's values: (subscribers
    that matched, matches, removals), counted per file."""
    try:
        entries = banks.entries_with_digests(session, bank, list(files))
        found = (
            outcomes.per_entry(session, bank, [(e.signal_type, e.value) for e in entries])
            if entries
            else []
        )
    except NotFoundError:
        return 0, 0, 0
    file_of = {e.id: files[(e.signal_type, value_digest(e.value))] for e in entries}
    per_file: dict[int, list[EntryOutcomes]] = {}
    for outcome in found:
        per_file.setdefault(file_of.get(outcome.entry_id, 0), []).append(outcome)
    return (
        max((o.subscribers_matched for o in found), default=0),
        sum(max(o.matched for o in items) for items in per_file.values()),
        sum(max(o.removed for o in items) for items in per_file.values()),
    )
