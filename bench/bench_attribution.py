"""Platform attribution of police records: records per minute on one core, end to end
(CSV streamed from disk, platforms found, counts kept per force and year), with the memory
it takes, against the plain approach in the same run: one case-insensitive whole-word search
per platform for the same names, without context rules or near misses (what a spreadsheet or
`pandas.Series.str.contains` analysis does). Quality of both on the development set too.

    python bench/bench_attribution.py [--records 1000000]

Records: the development set's texts (data/insights/records/police-a.csv) repeated, each
with a unique crime reference appended, so every record brings a word never seen before (as
real crime numbers do) and the matcher's memory of words is exercised, not just hit."""

from __future__ import annotations

import argparse
import csv
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import describe, rss_bytes
from safeguarding.insights.attribution import Attribution
from safeguarding.insights.evaluate import evaluate
from safeguarding.insights.keywordset import KeywordSet, load_keyword_set
from safeguarding.insights.matcher import Finder, Matcher
from safeguarding.insights.records import RecordReader

DEV_SET = Path(__file__).parents[1] / "data" / "insights" / "records" / "police-a.csv"


def write_records(path: Path, count: int) -> int:
    with DEV_SET.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["id", "force", "year", "text"])
        for i in range(count):
            row = rows[i % len(rows)]
            writer.writerow([i + 1, row["force"], row["year"], f"{row['text']} Ref {i + 1:08d}."])
    return path.stat().st_size


class PlainSearch:
    """One regular expression per platform: every name and term of the keyword set as whole
    words, any case, no context and no near misses."""

    def __init__(self, keywords: KeywordSet) -> None:
        self.keywords = keywords
        self.patterns = []
        for platform in keywords.platforms:
            phrases = [*platform.names, *(s for t in platform.terms for s in t.spellings)]
            alternatives = [
                r"\s+".join(
                    re.escape(w.rstrip("*")) + (r"\w*" if w.endswith("*") else "") for w in words
                )
                for words in phrases
            ]
            self.patterns.append(
                re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.IGNORECASE)
            )

    def indices(self, text: str) -> tuple[int, ...]:
        return tuple(i for i, p in enumerate(self.patterns) if p.search(text))


def timed_attribution(
    keywords: KeywordSet, path: Path, matcher: Finder
) -> tuple[float, float, int]:
    """Wall-clock and CPU seconds (the process's own: on a shared machine the wall clock also
    counts other people's work), and the records counted."""
    attribution = Attribution(keywords, matcher)
    wall, cpu = time.perf_counter(), time.process_time()
    attribution.add_records(RecordReader(path))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    (total,) = attribution.breakdowns()
    return wall, cpu, total.records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    args = parser.parse_args()
    print(describe(["safeguarding"]))
    keywords = load_keyword_set("nspcc-2024")
    print(f"keywords {keywords.name} {keywords.version}; one process, one core")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "records.csv"
        size = write_records(path, args.records)
        print(f"{args.records:,} records, {size / 2**20:.0f} MiB of CSV")
        before = rss_bytes()
        ours = timed_attribution(keywords, path, Matcher(keywords))
        grown = (rss_bytes() - before) / 2**20
        plain = timed_attribution(keywords, path, PlainSearch(keywords))
    print("\n| method | records/minute (CPU) | records/minute (wall) | CPU s | wall s |")
    print("|---|---:|---:|---:|---:|")
    for name, (wall, cpu, count) in (
        ("safeguarding Matcher (words, context rules, near misses)", ours),
        ("plain whole-word search per platform", plain),
    ):
        print(
            f"| {name} | {count / cpu * 60:,.0f} | {count / wall * 60:,.0f} | {cpu:.1f} "
            f"| {wall:.1f} |"
        )
    print(f"\nresident memory grown while streaming the file through the matcher: {grown:.0f} MB")
    print("\nOn the development set (police-a, 1,000 records), the eight reported platforms:")
    print("| method | platform | precision | recall |\n|---|---|---:|---:|")
    finders: list[tuple[str, Finder]] = [
        ("safeguarding", Matcher(keywords)),
        ("plain search", PlainSearch(keywords)),
    ]
    for name, matcher in finders:
        result = evaluate(
            RecordReader(DEV_SET, extra=("platforms",)),
            matcher,
            truth_column="platforms",
            id_column="id",
        )
        for s in result.scores:
            if s.reported:
                print(f"| {name} | {s.key} | {s.precision.share:.3f} | {s.recall.share:.3f} |")


if __name__ == "__main__":
    main()
