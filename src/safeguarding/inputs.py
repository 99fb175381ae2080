"""Short strings the outside world sends us (identifiers, names, labels): the rules every
shell and service applies to them, defined once.

A control character in an identifier or a name is never meaningful and some are harmful:
PostgreSQL refuses NUL in text, a newline forges lines in logs and reports, and NCMEC's XML
cannot carry most of them. So they are refused with an error naming the field, on SQLite as
on PostgreSQL, instead of failing deep in a driver."""

from __future__ import annotations

import re
from enum import Enum
from typing import TypeVar

from safeguarding.errors import InvalidInputError

E = TypeVar("E", bound=Enum)

#: The longest identifier a platform gives us for content, an account, a conversation, a
#: message sender or a reporter. One limit for every door, so an id one door accepts is
#: accepted by all (the API once took 256-character conversation ids that cases refused
#: at 200, so those conversations never alerted).
MAX_ID_CHARS = 256
#: the longest upload file name we keep (a preview's name, a bank entry's reference)
MAX_FILE_NAME_CHARS = 200
#: row ids are signed 64-bit integers in both databases: a larger one cannot exist
MAX_ROW_ID = 2**63 - 1

#: C0 controls, DEL and C1 controls
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: in text a person wrote, tabs and line breaks are fine; other C0 controls and DEL are not
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control(value: str) -> bool:
    return _CONTROL.search(value) is not None


def platform_id(field: str, value: object) -> str:
    """An identifier as the platform gave it: kept exactly (not stripped), 1 to
    MAX_ID_CHARS characters, not blank, no control characters."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID_CHARS:
        raise InvalidInputError(field, f"must be 1 to {MAX_ID_CHARS} characters")
    if has_control(value):
        raise InvalidInputError(field, "must not contain control characters")
    return value


def file_name(field: str, value: str) -> str:
    """An upload's file name, as kept with a preview or a bank entry."""
    return short_text(field, value, MAX_FILE_NAME_CHARS)


def free_text(field: str, value: str, max_chars: int) -> str:
    """Text a person wrote (a reason, a description): line breaks allowed, other control
    characters not; stripped; may be empty."""
    text = value.strip()
    if len(text) > max_chars:
        raise InvalidInputError(field, f"must be at most {max_chars} characters")
    if _TEXT_CONTROL.search(text):
        raise InvalidInputError(
            field, "must not contain control characters other than tabs and line breaks"
        )
    return text


def short_text(field: str, value: object, max_chars: int) -> str:
    """A non-empty single-line string of at most `max_chars`, stripped."""
    if not isinstance(value, str):
        raise InvalidInputError(field, "must be a string")
    text = value.strip()
    if not text or len(text) > max_chars:
        raise InvalidInputError(field, f"must be 1 to {max_chars} characters")
    if has_control(text):
        raise InvalidInputError(field, "must not contain control characters")
    return text


def choice(field: str, kind: type[E], value: object) -> E:
    """One of a closed set (a decision, a role, a format) named by its stored value."""
    if isinstance(value, kind):
        return value
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in kind)
        shown = str(value)[:60]
        raise InvalidInputError(field, f"must be one of {allowed}, not {shown!r}") from None
