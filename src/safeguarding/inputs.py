"""Short strings the outside world sends us (identifiers, names, labels): the rules every
shell and service applies to them, defined once.

A control character in an identifier or a name is never meaningful and some are harmful:
PostgreSQL refuses NUL in text, a newline forges lines in logs and reports, and NCMEC's XML
cannot carry most of them. So they are refused with an error naming the field, on SQLite as
on PostgreSQL, instead of failing deep in a driver."""

from __future__ import annotations

import re

from safeguarding.errors import InvalidInputError

#: C0 controls, DEL and C1 controls
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def has_control(value: str) -> bool:
    return _CONTROL.search(value) is not None


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
