"""Ages people state about themselves in chat: "i'm 14", "15 u?", "f16", "i'm in 9th grade".

Used for asymmetry only (an adult talking to a minor weighs more; two 15-year-olds less);
never as a verdict. Platforms that know ages pass them in `participants`, which wins."""

from __future__ import annotations

import re

_NOT_AGE = r"(?!\s*(?:min|mins|minutes|hours?|hrs?|secs?|seconds|%|\$|dollars|k\b|am\b|pm\b|" \
    r"o'?clock|days?|weeks?|months?|miles?|km|mins|times|th|st|nd|rd|ft|lbs?|kg|cm|feet|" \
    r"followers|people|of|out of|x\b|/10))"
_SELF = re.compile(
    r"\b(?:i'?m|im|i am|i'?m only|im only|i am only|i just turned|just turned|i turn|"
    r"i'?m turning|im turning|me)\s+(\d{1,2})\b" + _NOT_AGE
    + r"|\b(\d{1,2})\s*(?:yrs?|years?|y/?o|yo)(?: old)?\b"
    + r"|\b(?:age|aged)\s*:?\s*(\d{1,2})\b" + _NOT_AGE
    + r"|^\s*(\d{1,2}) (?:too|as well|also)\b"
    + r"|(?:^|\s)[mf]\s?(\d{2})\b|\b(\d{2})\s?/?\s?[mf]\b(?!\w)")
_GRADE = re.compile(r"\b(?:i'?m|im|i am) in (\d{1,2})(?:th|st|nd|rd)? grade\b"
                    r"|\b(?:i'?m|im|i am) in year (\d{1,2})\b")
# A reply to "how old are you?" is often just the number: "14", "14 u?", "14 wbu".
_BARE = re.compile(r"^\s*(\d{1,2})\s*(?:lol|haha|u\??|you\??|wbu\??|hbu\??|and u\??|"
                   r"and you\??|,|\.|!|\?)*\s*$")


def stated_age(text: str, *, answering_age_question: bool = False) -> int | None:
    """The sender's own age if this normalised message states it, else None."""
    match = _SELF.search(text)
    if match:
        value = next(int(g) for g in match.groups() if g is not None)
        if 8 <= value <= 99:
            return value
    grade = _GRADE.search(text)
    if grade:
        if grade.group(1):
            return int(grade.group(1)) + 5  # US grade N: about N + 5 years old
        if grade.group(2):
            return int(grade.group(2)) + 4  # UK year N: about N + 4
    if answering_age_question:
        bare = _BARE.match(text)
        if bare and 8 <= int(bare.group(1)) <= 99:
            return int(bare.group(1))
    return None
