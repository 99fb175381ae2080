"""The NSPCC's published figures (issue 18), reproduced by the tool's arithmetic and rounding:
first the numbers alone, then as counts of records going through the attribution itself."""

from __future__ import annotations

from decimal import Decimal

import pytest

from safeguarding.insights.attribution import Attribution
from safeguarding.insights.figures import change, format_percent, in_words, percent
from safeguarding.insights.keywordset import load_keyword_set

KEYWORDS = load_keyword_set("nspcc-2024")
# Records naming a platform, by platform, as the NSPCC's FOI analysis published them.
Y2023 = {
    "snapchat": 3648,
    "instagram": 840,
    "facebook": 537,
    "whatsapp": 457,
    "youtube": 330,
    "x": 250,
    "tiktok": 245,
    "kik": 124,
}
Y2022 = {
    "snapchat": 4312,
    "instagram": 1217,
    "facebook": 852,
    "whatsapp": 522,
    "kik": 494,
    "tiktok": 427,
    "youtube": 330,
    "x": 294,
}
TEXT = {
    "snapchat": "via snapchat",
    "instagram": "on insta",
    "facebook": "fb msgr",
    "whatsapp": "wa group",
    "youtube": "yt comments",
    "x": "on twitter",
    "tiktok": "tik tok live",
    "kik": "kik user",
    "discord": "discord server",
}


@pytest.mark.parametrize(
    ("part", "whole", "places", "published"),
    [
        (3648, 7338, 0, "50"),
        (4312, 9876, 0, "44"),
        (840, 7338, 0, "11"),
        (537, 7338, 0, "7"),
        (457, 7338, 0, "6"),
        (1217, 9876, 0, "12"),
        (852, 9876, 0, "9"),
        (522, 9876, 0, "5"),
        (1834, 7338, 1, "25.0"),
        (2591, 9876, 1, "26.2"),
    ],
)
def test_shares_round_as_published(part: int, whole: int, places: int, published: str) -> None:
    assert percent(part, whole, places) == Decimal(published)


def test_changes_round_as_published() -> None:
    assert format_percent(change(25582, 31892), signed=True) == "+25%"
    assert format_percent(change(17817, 31892), signed=True) == "+79%"


def test_metas_three_apps_are_a_quarter_in_both_years() -> None:
    assert sum(Y2023[k] for k in ("instagram", "facebook", "whatsapp")) == 1834
    assert sum(Y2022[k] for k in ("instagram", "facebook", "whatsapp")) == 2591
    assert in_words(1834, 7338) == in_words(2591, 9876) == "a quarter"
    assert in_words(3648, 7338) == "half"
    assert in_words(4312, 9876) is None  # 44% is near no plain fraction


def test_rounding_is_half_up_on_the_exact_value() -> None:
    assert percent(1, 200) == 1  # 0.5%: banker's rounding would say 0
    assert percent(1, 8, 1) == Decimal("12.5")
    assert percent(5, 0) is None and change(0, 5) is None


def _year(a: Attribution, year: str, counts: dict[str, int], named: int, both: int = 0) -> None:
    """Records for one year: `both` records name Instagram and Facebook together (each
    counted for both platforms), then single-platform records, then Discord records until
    `named` records name a platform, and 500 that name none."""
    for _ in range(both):
        a.add("Force A", year, "met on insta, then fb msgr")
    singles = dict(counts, instagram=counts["instagram"] - both, facebook=counts["facebook"] - both)
    for key, count in singles.items():
        for _ in range(count):
            a.add("Force A", year, TEXT[key])
    for _ in range(named - both - sum(singles.values())):
        a.add("Force A", year, TEXT["discord"])
    for _ in range(500):
        a.add("Force A", year, "images found on a usb stick x2")


def test_the_attribution_reproduces_the_published_shares() -> None:
    a = Attribution(KEYWORDS)
    _year(a, "2022/23", Y2022, 9876)
    _year(a, "2023/24", Y2023, 7338, both=100)
    by_year = {b.year: b for b in a.breakdowns(("year",))}
    for year, counts, named, share in (
        ("2022/23", Y2022, 9876, "44"),
        ("2023/24", Y2023, 7338, "50"),
    ):
        b = by_year[year]
        assert (b.naming_any, b.records) == (named, named + 500)
        shares = {p.key: p.share for p in b.platforms}
        assert {k: shares[k].count for k in counts} == counts
        assert shares["snapchat"].percent() == Decimal(share)
        low, high = shares["snapchat"].interval or (0, 0)
        assert low < shares["snapchat"].count / named < high
    meta_2023 = by_year["2023/24"].groups[0]
    # Summing the three apps counts the 100 records naming two of them twice.
    assert (meta_2023.summed.count, meta_2023.naming_any.count) == (1834, 1734)
    assert meta_2023.summed.percent(1) == Decimal("25.0")
    assert in_words(meta_2023.summed.count, meta_2023.summed.total) == "a quarter"
    assert by_year["2022/23"].groups[0].summed.percent(1) == Decimal("26.2")
    assert by_year["2023/24"].platforms[KEYWORDS.keys.index("instagram")].share.percent() == 11


def test_the_attribution_reproduces_the_published_changes() -> None:
    """Offences recorded by forces present in both years: 17,817 (2017/18), 25,582 (2021/22)
    and 31,892 (2022/23); a force that only answered in 2022/23 (1,334 records, making the
    published 33,226) is left out of every change."""
    a = Attribution(KEYWORDS)
    for year, per_force in (("2017/18", 17817), ("2021/22", 25582), ("2022/23", 31892)):
        for i in range(per_force):
            a.add(f"Force {i % 7}", year, "")
    for _ in range(1334):
        a.add("Force only in 2022/23", "2022/23", "")
    assert [b.records for b in a.breakdowns(("year",))] == [17817, 25582, 33226]
    one_year = a.changes()[-1]
    assert (one_year.from_year, one_year.to_year) == ("2021/22", "2022/23")
    assert len(one_year.forces) == 7
    assert (one_year.records_before, one_year.records_after) == (25582, 31892)
    assert format_percent(one_year.percent, signed=True) == "+25%"
    five_years = a.change("2017/18", "2022/23")
    assert format_percent(five_years.percent, signed=True) == "+79%"
