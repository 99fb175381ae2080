"""Attribution results as JSON (one document) and CSV (one row per breakdown and platform),
each naming the keyword set and its file digest so a figure can be traced to its words."""

from __future__ import annotations

import csv
from typing import Any, TextIO

from safeguarding.insights.attribution import (
    DOUBLE_COUNTING_NOTE,
    Attribution,
    Breakdown,
    Change,
)
from safeguarding.insights.figures import format_percent, in_words

CSV_COLUMNS = (
    "force",
    "year",
    "platform",
    "label",
    "count",
    "naming_any",
    "records",
    "percent",
    "ci95_low",
    "ci95_high",
)


def keywords_dict(attribution: Attribution) -> dict[str, str]:
    k = attribution.keywords
    return {"name": k.name, "version": k.version, "sha256": k.sha256}


def breakdown_dict(b: Breakdown) -> dict[str, Any]:
    return {
        "force": b.force,
        "year": b.year,
        "records": b.records,
        "naming_any": b.naming_any,
        "platforms": [
            {
                "platform": p.key,
                "label": p.label,
                **p.share.as_dict(),
                "percent": format_percent(p.share.percent()),
            }
            for p in b.platforms
        ],
        "groups": [
            {
                "group": g.name,
                "members": list(g.members),
                "summed": {
                    **g.summed.as_dict(),
                    "percent": format_percent(g.summed.percent(1)),
                    "in_words": in_words(g.summed.count, g.summed.total),
                },
                "naming_any": {
                    **g.naming_any.as_dict(),
                    "percent": format_percent(g.naming_any.percent(1)),
                },
            }
            for g in b.groups
        ],
    }


def change_dict(c: Change) -> dict[str, Any]:
    return {
        "from": c.from_year,
        "to": c.to_year,
        "forces": list(c.forces),
        "records_before": c.records_before,
        "records_after": c.records_after,
        "change": format_percent(c.percent, signed=True),
        "platforms": [
            {
                "platform": p.key,
                "before": p.before,
                "after": p.after,
                "change": format_percent(p.percent, signed=True),
            }
            for p in c.platforms
        ],
    }


def to_json(attribution: Attribution, by: tuple[str, ...]) -> dict[str, Any]:
    return {
        "keywords": keywords_dict(attribution),
        "by": list(by),
        "note": DOUBLE_COUNTING_NOTE,
        "breakdowns": [breakdown_dict(b) for b in attribution.breakdowns(by)],
        "year_on_year": [change_dict(c) for c in attribution.changes()],
    }


def write_csv(attribution: Attribution, by: tuple[str, ...], stream: TextIO) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for b in attribution.breakdowns(by):
        for p in b.platforms:
            interval, share = p.share.interval, p.share.percent()
            writer.writerow(
                [
                    b.force or "",
                    b.year or "",
                    p.key,
                    p.label,
                    p.share.count,
                    b.naming_any,
                    b.records,
                    "" if share is None else share,
                    *(("", "") if interval is None else (f"{x:.4f}" for x in interval)),
                ]
            )
