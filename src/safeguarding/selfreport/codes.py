"""Case numbers and PINs: what a young person keeps to come back to their case.

A case number is 80 random bits written as 16 Crockford base-32 characters in groups of
four (`K7QM-2XJD-9PFA-R3TZ`): no I, L, O or U, so nothing reads as another character, and
what is typed is read forgivingly (lower case, spaces, `O` for `0`, `I`/`L` for `1`). Nobody
can find a case by guessing its number (2^80 of them), so the PIN only has to stop someone
who has seen the number: 8 digits, guessed at most `self_report_max_guesses` times an hour
per address. The database keeps only the number's SHA-256 (for lookup) and the PIN's
argon2id hash, so a copy of the database lists no case numbers and no PINs.
"""

from __future__ import annotations

import hashlib
import secrets

from safeguarding.errors import InvalidInputError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_CHARS = 16
PIN_DIGITS = 8
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_case_number() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(NUMBER_CHARS))
    return "-".join(chars[i : i + 4] for i in range(0, NUMBER_CHARS, 4))


def new_pin() -> str:
    return f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"


def read_case_number(typed: object) -> str:
    """The canonical case number (groups of four) from what was typed; a clear error when
    it cannot be one (which is not counted as a guess: it cannot name any case)."""
    text = typed if isinstance(typed, str) else ""
    plain = "".join(text.split()).replace("-", "").upper().translate(_READ_AS)
    if len(text) > 64 or len(plain) != NUMBER_CHARS or any(c not in ALPHABET for c in plain):
        raise InvalidInputError(
            "case_number",
            f"a case number is {NUMBER_CHARS} letters and digits, like K7QM-2XJD-9PFA-R3TZ",
        )
    return "-".join(plain[i : i + 4] for i in range(0, NUMBER_CHARS, 4))


def read_pin(typed: object) -> str:
    text = "".join(typed.split()) if isinstance(typed, str) else ""
    if len(text) != PIN_DIGITS or not text.isascii() or not text.isdigit():
        raise InvalidInputError("pin", f"a PIN is {PIN_DIGITS} digits")
    return text


def number_digest(case_number: str) -> str:
    """What the database keeps of a case number: enough to find the case, not to show it."""
    return hashlib.sha256(f"self-report:{case_number}".encode()).hexdigest()
