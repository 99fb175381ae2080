"""Insights: figures for researchers and regulators (docs/insights.md).

    keywordset   which words name which platform: versioned TOML files in keywords/
    spelling     near misses of a name ("instagarm")
    matcher      the platforms a text names, by a keyword set
    records      police records (FOI returns) streamed from CSV, columns chosen by the caller
    attribution  counts and shares per platform, force and year; year-on-year change
    figures      published-figure arithmetic: percentages rounded half up, changes, words
    intervals    a count of a total with its Wilson 95% interval
    evaluate     precision and recall per platform against records with known platforms
    export       JSON and CSV of an attribution
    charts       the attribution chart (the plot extra)

For the platform transparency report (issue 18 part 1):

    counters     match counts per minute, bank, signal type, surface and outcome, upserted
                 with each match (their table: tables.py)
    transparency the report: tables from the packages' counts modules, times, rates
    suppression  small counts withheld, with the counts that would give them back
    report_files the report as JSON, CSV or HTML"""

from safeguarding.insights.attribution import Attribution
from safeguarding.insights.keywordset import KeywordSet, load_keyword_set
from safeguarding.insights.matcher import Matcher
from safeguarding.insights.records import Columns, Record, RecordReader

__all__ = [
    "Attribution",
    "Columns",
    "KeywordSet",
    "Matcher",
    "Record",
    "RecordReader",
    "load_keyword_set",
]
