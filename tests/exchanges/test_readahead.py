"""The fetcher's read-ahead and the parsers it feeds: pages arrive in order, an upstream's
error after the pages before it, a closed read-ahead stops reading; a JSON Lines list read
in blocks names the first bad line as line-by-line reading did; a feed page that promises
more without moving its cursor is refused."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest

from safeguarding.errors import ExchangeError
from safeguarding.exchanges.kinds import feed, file
from safeguarding.exchanges.readahead import ReadAhead


def test_pages_arrive_in_order_and_an_error_after_them() -> None:
    def pages() -> Iterator[int]:
        yield from range(5)
        raise ExchangeError("truncated", exchange="x")

    with ReadAhead(pages()) as read:
        got = [next(read) for _ in range(5)]
        with pytest.raises(ExchangeError, match="truncated"):
            next(read)
    assert got == [0, 1, 2, 3, 4]


def test_closing_stops_the_reading_within_its_depth() -> None:
    read_so_far = []

    def pages() -> Iterator[int]:
        for i in range(1000):
            read_so_far.append(i)
            yield i

    with ReadAhead(pages(), depth=1) as read:
        assert next(read) == 0
    assert len(read_so_far) <= 3  # the page taken, one queued, one waiting to be


def _lines(records: list[str]) -> list[tuple[int, object]]:
    return list(file._records(io.StringIO("".join(records)), "jsonl", "x"))


def test_a_block_of_lines_parses_as_lines_did() -> None:
    good = json.dumps({"signal_type": "pdq", "value": "a" * 64}) + "\n"
    parsed = _lines([good, "\n", good] * 3000)  # more than one block, blank lines kept
    assert len(parsed) == 9000 and [n for n, _ in parsed[:4]] == [1, 2, 3, 4]
    assert parsed[1][1] is None and parsed[2][1] is not None


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ('{"signal_type": "pdq", "value": "a"}, {"x": 1}\n', "invalid JSON"),
        ("[1, 2]\n", "each line must be a JSON object"),
        ('{"signal_type": "pdq", "value": "a"]\n', "invalid JSON"),
        ('{"signal_type": "pdq", "value": 7}\n', "needs string fields"),
    ],
)
def test_a_bad_line_in_a_block_is_named(bad: str, why: str) -> None:
    good = json.dumps({"signal_type": "pdq", "value": "a" * 64}) + "\n"
    with pytest.raises(ExchangeError, match=f"line 4002 of the list: {why}"):
        _lines([good] * 4001 + [bad] + [good] * 2000)


def test_a_feed_page_promising_more_without_moving_is_refused() -> None:
    body = json.dumps(
        {"format": 1, "feed": "shared", "cursor": 7, "next_cursor": 7, "more": True, "changes": []}
    ).encode()
    with pytest.raises(ExchangeError, match="cursor did not move"):
        feed._parse(body, "shared", 7, "x")
    done = body.replace(b'"more": true', b'"more": false')
    assert feed._parse(done, "shared", 7, "x") == (7, False, [])
