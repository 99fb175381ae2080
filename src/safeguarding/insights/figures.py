"""The arithmetic of published figures: percentages rounded as a person rounds them (half
up, on the exact decimal value: 3,648 of 7,338 is 49.71...% -> "50%"), changes between two
totals ("+25%"), and the plain words a release uses for a share ("a quarter").

Decimal, not float: 0.125 as a float is exact, but 1.005 is not, and a figure that rounds one
way here and another way in a spreadsheet would be a needless argument."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# Plain-word shares, and how close (in percentage points) a share must be to earn one.
WORDS = (
    (Decimal(50), "half"),
    (Decimal(100) / 3, "a third"),
    (Decimal(25), "a quarter"),
    (Decimal(20), "a fifth"),
    (Decimal(10), "a tenth"),
    (Decimal(200) / 3, "two thirds"),
    (Decimal(75), "three quarters"),
)
WORDS_TOLERANCE = Decimal("1.5")


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def percent(part: int, whole: int, places: int = 0) -> Decimal | None:
    """part of whole in percent, rounded half up; None when whole is 0."""
    if whole <= 0:
        return None
    return _round(Decimal(part) * 100 / Decimal(whole), places)


def change(before: int, after: int, places: int = 0) -> Decimal | None:
    """The change from before to after in percent (+25 for 25,582 -> 31,892); None when
    before is 0."""
    if before <= 0:
        return None
    return _round(Decimal(after - before) * 100 / Decimal(before), places)


def format_percent(value: Decimal | None, *, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{'+' if signed and value > 0 else ''}{value}%"


def in_words(part: int, whole: int) -> str | None:
    """ "half", "a quarter" ... when the share is within WORDS_TOLERANCE points of one."""
    exact = percent(part, whole, places=6)
    if exact is None:
        return None
    distance, words = min((abs(exact - value), words) for value, words in WORDS)
    return words if distance <= WORDS_TOLERANCE else None
