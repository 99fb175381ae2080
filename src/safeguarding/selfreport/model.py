"""A self-report as the portal sends it, checked field by field, and a case as its owner
sees it.

The portal sends only these fields (the browser test checks that nothing else leaves):

    {"submission_id": "<32 hex digits the page made>",
     "category": "nude" | "sexual" | "underwear",
     "files": [{"md5": "<32 hex>", "sha256": "<64 hex>",
                "pdq": [{"view": null | "trimmed" | "crop95" | "crop90",
                         "hash": "<64 hex>", "quality": 0..100}],
                "vpdq": "<frame,quality,pdq_hex,seconds lines>"}]}   (vpdq: videos only)

Anything else, anywhere, is refused naming the field: a file name, a size, a free-text
note would be personal data we do not want.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from safeguarding.errors import InvalidInputError, SignalError
from safeguarding.hashing.registry import validate_signal
from safeguarding.inputs import choice

_SUBMISSION_ID = re.compile(r"[0-9a-f]{32}")
VIEWS = (None, "trimmed", "crop95", "crop90")
_FILE_FIELDS = {"md5", "sha256", "pdq", "vpdq"}
_PDQ_FIELDS = {"view", "hash", "quality"}


class Category(StrEnum):
    """What the images show, as the person chose it. Stored: never rename."""

    NUDE = "nude"
    SEXUAL = "sexual"
    UNDERWEAR = "underwear"


class Status(StrEnum):
    """Where a self-report stands. Stored: never rename."""

    RECEIVED = "received"  # in the self-report bank; matches go to review
    #: the hotline is looking at it: shown, never stored (the hotline case says so)
    IN_REVIEW = "in_review"
    ACTIVE = "active"  # the hotline approved it for blocking: published in the feed
    #: the hotline asks its owner to use its upload route; the hashes stay for review
    UPLOAD_REQUESTED = "upload_requested"
    REJECTED = "rejected"  # the hotline did not take it forward: its hashes left the bank
    #: held by the poisoning check: its hashes match nowhere until the hotline decides
    #: (shown to its owner as in review)
    HELD = "held"
    WITHDRAWN = "withdrawn"  # its owner withdrew it: its hashes left every bank and feed


#: whose hashes wait in the self-report bank (action review) for the hotline
PENDING = (Status.RECEIVED, Status.UPLOAD_REQUESTED)
#: what the hotline may still decide
DECIDABLE = (*PENDING, Status.HELD)
#: closed: its hashes left every bank; kept `self_report_retention_days`, then purged
CLOSED = (Status.REJECTED, Status.WITHDRAWN)


@dataclass(frozen=True)
class Signal:
    type: str
    value: str
    quality: int | None
    view: str | None = None


@dataclass(frozen=True)
class Submission:
    submission_id: str
    category: Category
    files: list[list[Signal]]

    @property
    def signals(self) -> list[Signal]:
        return [s for signals in self.files for s in signals]


@dataclass(frozen=True)
class Receipt:
    """Shown once: only the person who submitted ever sees the number and PIN."""

    case_id: int
    case_number: str
    pin: str


@dataclass(frozen=True)
class Reach:
    """What the platform can know of where a report's hashes went (selfreport/reach.py)."""

    #: uploads here that matched the report's hashes
    matched: int = 0
    #: of those, removed: blocked at upload, or confirmed by a reviewer
    removed: int = 0
    #: platforms that matched them: this one (when `matched`), and subscribers that
    #: reported matches back through the feed's outcomes
    platforms: int = 0
    #: matches and removals subscribers reported back
    reported_matched: int = 0
    reported_removed: int = 0


@dataclass(frozen=True)
class CaseView:
    case_id: int
    status: Status
    category: Category
    files: int
    created_at: datetime
    updated_at: datetime
    #: the hotline case the report is reviewed in (None: reported before the hotline queue)
    review_case: int | None = None
    reach: Reach = Reach()
    #: closed, and its hashes deleted by the retention purge (selfreport/retention.py)
    purged: bool = False


def parse_submission(body: object, *, max_files: int) -> Submission:
    fields = _mapping("submission", body, {"submission_id", "category", "files"})
    submission_id = fields.get("submission_id")
    if not isinstance(submission_id, str) or not _SUBMISSION_ID.fullmatch(submission_id):
        raise InvalidInputError("submission_id", "32 lowercase hex digits made by the page")
    category = choice("category", Category, fields.get("category"))
    files = fields.get("files")
    if not isinstance(files, list) or not files:
        raise InvalidInputError("files", "a list of at least one file's hashes")
    if len(files) > max_files:
        raise InvalidInputError("files", f"at most {max_files} files in one report")
    return Submission(
        submission_id, category, [_file(f"files[{i}]", item) for i, item in enumerate(files)]
    )


def _file(where: str, item: object) -> list[Signal]:
    fields = _mapping(where, item, _FILE_FIELDS)
    signals = [
        _signal(f"{where}.{name}", name, fields.get(name), None, None) for name in ("md5", "sha256")
    ]
    pdq = fields.get("pdq", [])
    if not isinstance(pdq, list) or len(pdq) > len(VIEWS):
        raise InvalidInputError(f"{where}.pdq", f"a list of at most {len(VIEWS)} views")
    seen: set[str | None] = set()
    for i, view in enumerate(pdq):
        at = f"{where}.pdq[{i}]"
        entry = _mapping(at, view, _PDQ_FIELDS)
        name = entry.get("view")
        if name not in VIEWS or name in seen:
            raise InvalidInputError(f"{at}.view", "null, trimmed, crop95 or crop90, each once")
        seen.add(name)
        quality = entry.get("quality")
        if type(quality) is not int or not 0 <= quality <= 100:
            raise InvalidInputError(f"{at}.quality", "a whole number from 0 to 100")
        signals.append(_signal(f"{at}.hash", "pdq", entry.get("hash"), quality, name))
    if fields.get("vpdq") is not None:
        signals.append(_signal(f"{where}.vpdq", "vpdq", fields["vpdq"], None, None))
    return signals


def _signal(where: str, kind: str, value: object, quality: int | None, view: str | None) -> Signal:
    if not isinstance(value, str):
        raise InvalidInputError(where, f"a {kind} hash as text")
    try:
        name, canonical = validate_signal(kind, value)
    except SignalError as exc:
        raise InvalidInputError(where, str(exc)) from None
    return Signal(name, canonical, quality, view)


def _mapping(where: str, value: object, allowed: set[str]) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInputError(where, "an object")
    unknown = sorted(str(k)[:40] for k in value if k not in allowed)
    if unknown:
        raise InvalidInputError(
            f"{where}.{unknown[0]}",
            "not a field the portal sends: only hashes and a category leave the device",
        )
    return value
