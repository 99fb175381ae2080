"""Banks: named hash lists with provenance and a match policy (`banks.policy`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from safeguarding.errors import InvalidBankError, InvalidInputError
from safeguarding.inputs import MAX_FILE_NAME_CHARS, free_text, has_control

if TYPE_CHECKING:
    from safeguarding.banks.policy import BankPolicy

_BANK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_SOURCE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,49}")
MAX_LABELS = 50
MAX_LABEL_LENGTH = 100
MAX_DESCRIPTION_CHARS = 2000


class BankSource(StrEnum):
    """Where a bank's hashes come from, for the sources the system knows (stored: never
    rename); a bank may also name any other source in lowercase (`check_source`)."""

    LOCAL = "local"  # decided here (the confirmed bank, hand-added lists)
    NCMEC = "ncmec"
    IWF = "iwf"
    STOPNCII = "stopncii"
    TAKEITDOWN = "takeitdown"
    SELF_REPORT = "self_report"  # hashed in a person's own browser (docs/self-report.md)


#: the label of an entry a feed of a `self_report` bank listed (exchanges/kinds/feed.py): a
#: person's self-report, which stays under their control and so never enters the confirmed
#: bank (selfreport/provenance.py). Stored: never rename.
SELF_REPORTED = "self-report"


class Action(StrEnum):
    """What a match against a bank asks for. Stored: never rename."""

    REVIEW = "review"
    BLOCK = "block"
    REPORT = "report"


def is_bank_name(name: object) -> bool:
    return isinstance(name, str) and _BANK_NAME.fullmatch(name) is not None


def check_bank_name(name: str) -> str:
    if not is_bank_name(name):
        raise InvalidBankError(
            f"invalid bank name {str(name)[:120]!r}: 1-100 letters, digits, '_', '.', '-'"
        )
    return name


def check_source(source: str) -> str:
    if not _SOURCE.fullmatch(source):
        raise InvalidBankError(f"invalid source {source[:60]!r}: lowercase letters and digits")
    return source


def check_labels(labels: Any) -> list[str]:
    if labels is None:
        return []
    if not isinstance(labels, list | tuple) or not all(isinstance(x, str) for x in labels):
        raise InvalidBankError("labels must be a list of strings")
    cleaned = sorted({x.strip() for x in labels if x.strip()})
    if len(cleaned) > MAX_LABELS or any(len(x) > MAX_LABEL_LENGTH for x in cleaned):
        raise InvalidBankError(f"at most {MAX_LABELS} labels of {MAX_LABEL_LENGTH} characters")
    if any(has_control(x) for x in cleaned):
        raise InvalidBankError("labels must not contain control characters")
    return cleaned


def check_source_ref(source_ref: object) -> str | None:
    """An entry's reference to where it came from (a file name, an upstream id)."""
    if source_ref is None:
        return None
    if (
        not isinstance(source_ref, str)
        or len(source_ref) > MAX_FILE_NAME_CHARS
        or has_control(source_ref)
    ):
        raise InvalidBankError(
            f"source_ref must be a string of at most {MAX_FILE_NAME_CHARS} "
            "characters without control characters"
        )
    return source_ref


def check_description(description: object) -> str:
    if not isinstance(description, str):
        raise InvalidBankError("a description must be a string")
    try:
        return free_text("description", description, MAX_DESCRIPTION_CHARS)
    except InvalidInputError as exc:
        raise InvalidBankError(str(exc)) from None


@dataclass(frozen=True)
class Bank:
    id: int
    name: str
    description: str
    source: str
    enabled: bool
    policy: BankPolicy
    labels: list[str]
    created_by: str
    created_at: datetime
    updated_at: datetime
    entry_count: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The one JSON shape of a bank, as the API (`BankOut`) and `bank list/show --json`
        give it: the policy flat (the PDQ and vPDQ fields older clients read) and per
        signal type (`policies`)."""
        return {
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "enabled": self.enabled,
            "labels": self.labels,
            "action": self.policy.action.value,
            **self.policy.legacy(),
            "policies": self.policy.settings(),
            "entry_count": self.entry_count,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True)
class NewEntry:
    """An entry to add: a canonical value (see `validate_signal`) and its provenance."""

    signal_type: str
    value: str
    quality: int | None = None
    labels: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    source_ref: str | None = None


@dataclass(frozen=True)
class BankEntry:
    id: int
    bank_id: int
    bank_name: str
    signal_type: str
    value: str
    quality: int | None
    labels: list[str]
    metadata: dict[str, Any]
    source_ref: str | None
    added_by: str
    added_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "bank": self.bank_name,
            "signal_type": self.signal_type,
            "value": self.value,
            "quality": self.quality,
            "labels": self.labels,
            "metadata": self.metadata,
            "source_ref": self.source_ref,
            "added_by": self.added_by,
            "added_at": self.added_at.isoformat(),
        }
