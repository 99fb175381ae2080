from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from safeguarding.errors import InvalidInputError
from safeguarding.insights.attribution import Attribution
from safeguarding.insights.export import CSV_COLUMNS, to_json, write_csv
from safeguarding.insights.keywordset import load_keyword_set

KEYWORDS = load_keyword_set("nspcc-2024")
RECORDS = [
    ("Kent", "2022/23", "met on snapchat"),
    ("Kent", "2022/23", "insta then whatsapp"),  # names two: counts for both
    ("Kent", "2022/23", "usb stick"),
    ("Gwent", "2022/23", "via kik"),
    ("Kent", "2023/24", "on snap"),
    ("Kent", "2023/24", "fb and insta"),
    ("Durham", "2023/24", "poor signal"),  # Durham only in 2023/24
]


def _attribution() -> Attribution:
    a = Attribution(KEYWORDS)
    for force, year, text in RECORDS:
        a.add(force, year, text)
    return a


def _counts(
    a: Attribution, by: tuple[str, ...]
) -> dict[tuple[str | None, str | None], dict[str, int]]:
    return {
        (b.force, b.year): {
            "records": b.records,
            "any": b.naming_any,
            **{p.key: p.share.count for p in b.platforms if p.share.count},
        }
        for b in a.breakdowns(by)
    }


def test_counts_per_force_and_year_and_in_total() -> None:
    a = _attribution()
    assert _counts(a, ()) == {
        (None, None): {
            "records": 7,
            "any": 5,
            "snapchat": 2,
            "instagram": 2,
            "whatsapp": 1,
            "kik": 1,
            "facebook": 1,
        }
    }
    assert _counts(a, ("year",))[(None, "2022/23")] == {
        "records": 4,
        "any": 3,
        "snapchat": 1,
        "instagram": 1,
        "whatsapp": 1,
        "kik": 1,
    }
    by_both = _counts(a, ("force", "year"))
    assert list(by_both) == [
        ("Durham", "2023/24"),
        ("Gwent", "2022/23"),
        ("Kent", "2022/23"),
        ("Kent", "2023/24"),
    ]
    assert by_both[("Durham", "2023/24")] == {"records": 1, "any": 0}
    assert _counts(a, ("force",))[("Kent", None)]["records"] == 5


def test_shares_are_of_records_naming_any_and_add_up_past_100() -> None:
    (total,) = _attribution().breakdowns()
    shares = {p.key: p.share for p in total.platforms}
    assert shares["snapchat"].total == 5 and shares["snapchat"].percent() == 40
    assert sum(p.share.count for p in total.platforms) == 7 > total.naming_any
    meta = total.groups[0]
    assert (meta.summed.count, meta.naming_any.count) == (4, 2)
    low, high = shares["snapchat"].interval or (0.0, 0.0)
    assert 0 < low < 0.4 < high < 1


def test_change_is_over_forces_present_in_both_years() -> None:
    (change,) = _attribution().changes()
    assert change.forces == ("Kent",)  # Gwent only in 2022/23, Durham only in 2023/24
    assert (change.records_before, change.records_after, change.percent) == (3, 2, Decimal(-33))
    snapchat = change.platforms[0]
    assert (snapchat.key, snapchat.before, snapchat.after, snapchat.percent) == (
        "snapchat",
        1,
        1,
        Decimal(0),
    )
    assert Attribution(KEYWORDS).changes() == []


def test_an_unknown_breakdown_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="by: unknown breakdown 'platform'"):
        _attribution().breakdowns(("platform",))


def test_json_names_the_keywords_and_notes_the_double_counting() -> None:
    doc = to_json(_attribution(), ("year",))
    assert doc["keywords"]["sha256"] == KEYWORDS.sha256 and doc["by"] == ["year"]
    assert "counts once for each" in doc["note"]
    first = doc["breakdowns"][0]
    snapchat = first["platforms"][0]
    assert (snapchat["count"], snapchat["total"], snapchat["percent"]) == (1, 3, "33%")
    assert snapchat["ci95"][0] < 1 / 3 < snapchat["ci95"][1]
    assert first["groups"][0]["summed"]["count"] == 2
    assert doc["year_on_year"][0]["change"] == "-33%"


def test_csv_has_a_row_per_breakdown_and_platform() -> None:
    stream = io.StringIO()
    write_csv(_attribution(), ("force", "year"), stream)
    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 4 * len(KEYWORDS.platforms)
    durham = [r for r in rows if r["force"] == "Durham"]
    assert {r["percent"] for r in durham} == {""}  # nothing named: no share, not 0%
    kent = {r["platform"]: r for r in rows if (r["force"], r["year"]) == ("Kent", "2022/23")}
    assert (kent["snapchat"]["count"], kent["snapchat"]["percent"]) == ("1", "50")
    assert kent["kik"]["percent"] == "0" and float(kent["kik"]["ci95_high"]) > 0
