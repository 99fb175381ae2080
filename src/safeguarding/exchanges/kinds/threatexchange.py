"""The `threatexchange` kind: Meta's ThreatExchange (a Graph API), one privacy group's
`threat_updates`, as Meta's ThreatExchange documentation and python-threatexchange's
client describe it.

`GET {url}/{privacy_group}/threat_updates?access_token=..&start_time=T&limit=N&fields=..`
answers `{"data": [{"id", "indicator", "type", "last_updated", "should_delete",
"descriptors": {"data": [{"id", "tags", "owner"}]}}], "paging": {"cursors": {"after"},
"next"}}`, oldest change first. A record is the indicator's whole state: `should_delete`
(or, as ThreatExchange issue 834 says, no descriptors left) is a tombstone.
`HASH_PDQ` is our `pdq`; `HASH_MD5`/`HASH_VIDEO_MD5` `md5`; `HASH_SHA256`/
`HASH_VIDEO_SHA256` `sha256`; other types are counted and skipped.

The checkpoint is the pass's `start_time`, the page cursor within it (`after`, never the
`next` URL, which carries the access token) and the latest `last_updated` seen; when a pass
ends the next one starts from that time. ThreatExchange keeps deletions for 90 days, so when
the last finished pass is older than 85 days a full pass starts, and its end withdraws what
it did not list.

Feedback (`feedback=on`): a reaction on each descriptor of the indicator
(`POST {url}/{descriptor_id}` with `reactions=`): `HELPFUL` when a reviewer confirmed a
match, `DISAGREE_WITH_TAGS` for a false positive (what python-threatexchange reads as the
positive and negative opinions).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import urlencode

from safeguarding.banks.model import MAX_LABEL_LENGTH, MAX_LABELS
from safeguarding.errors import ExchangeError, InvalidInputError
from safeguarding.exchanges.http import Answer, check_status
from safeguarding.exchanges.kinds.base import (
    ExchangeKind,
    Feedback,
    Option,
    Page,
    Source,
    Update,
    Verdict,
    check_web_url,
    json_page,
    malformed,
)
from safeguarding.inputs import has_control

DEFAULT_URL = "https://graph.facebook.com/v21.0"
#: python-threatexchange's page size for threat_updates
PAGE_SIZE = 500
SIGNAL_TYPES = {
    "HASH_PDQ": "pdq",
    "HASH_MD5": "md5",
    "HASH_VIDEO_MD5": "md5",
    "HASH_SHA256": "sha256",
    "HASH_VIDEO_SHA256": "sha256",
}
FIELDS = "id,indicator,type,last_updated,should_delete,descriptors{id,tags,owner{id}}"
REACTIONS = {Verdict.CONFIRMED: "HELPFUL", Verdict.FALSE_POSITIVE: "DISAGREE_WITH_TAGS"}
#: deletions are kept 90 days upstream; a checkpoint older than this refetches everything
REFETCH_SECONDS = 85 * 24 * 3600
#: Graph API error codes: the token (190, 102) and rate limits (4, 17, 32, 613)
TOKEN_CODES = {102, 190}
LIMIT_CODES = {4, 17, 32, 613}
MAX_UPSTREAM_CHARS = 200
#: what the upstream calls a page, in errors
_PAGE = "threat_updates page"


class ThreatExchange(ExchangeKind):
    name = "threatexchange"
    description = "Meta's ThreatExchange: a privacy group's threat_updates, reactions as feedback"
    options = (
        Option("url", f"the Graph API's base URL (default {DEFAULT_URL})"),
        Option("privacy_group", "the privacy group's id", required=True),
        Option("access_token", "the app token (app id|secret)", required=True, secret=True),
        Option("feedback", "on: react to descriptors with reviewers' verdicts (default off)"),
    )

    @classmethod
    def check(cls, options: dict[str, str], *, remote_only: bool = False) -> None:
        check_web_url(options.get("url", DEFAULT_URL))
        if not options.get("privacy_group", "").isdigit():
            raise InvalidInputError("options", "privacy_group must be a numeric id")
        if options.get("feedback", "off") not in ("on", "off"):
            raise InvalidInputError("options", "feedback must be on or off")

    @classmethod
    def takes_feedback(cls, options: dict[str, str], credentials: list[str]) -> bool:
        return options.get("feedback") == "on"

    @classmethod
    def pages(cls, source: Source, checkpoint: dict[str, Any] | None) -> Iterator[Page]:
        position = dict(checkpoint or {})
        now = int(time.time())
        start, after = int(position.get("start", 0)), str(position.get("after", ""))
        seen = int(position.get("seen", start))
        full = position.get("full")
        # stale: not fetched for longer than ThreatExchange keeps deletions (an idle group,
        # whose latest update is old, is not stale while we keep fetching it)
        fetched = int(position.get("fetched", start))
        if start and not after and now - fetched > REFETCH_SECONDS:
            start, seen, full = 0, 0, datetime.now(UTC).isoformat()
        url = f"{_base(source)}/{source.options['privacy_group']}/threat_updates"
        while True:
            params = {
                "access_token": source.credentials.get("access_token", ""),
                "fields": FIELDS,
                "limit": str(min(source.page_size, PAGE_SIZE)),
            }
            if start:
                params["start_time"] = str(start)
            if after:
                params["after"] = after
            answer = source.http.get(url, exchange=source.exchange, params=params)
            _check(answer, source.exchange)
            records, after = _parse(answer.body, source.exchange)
            seen = max([seen, *(int(r["last_updated"]) for r in records)])
            updates = [_update(record) for record in records]
            if after:
                yield Page(updates, {"start": start, "after": after, "seen": seen, "full": full})
                continue
            yield Page(updates, {"start": seen, "after": "", "fetched": now}, sweep_before=full)
            return

    @classmethod
    def send_feedback(cls, source: Source, feedback: Feedback) -> None:
        reaction = REACTIONS.get(feedback.verdict)
        if reaction is None:
            return  # a reaction is a person's verdict, nothing else
        for descriptor in (feedback.upstream_id or "").split(","):
            if not descriptor.isdigit():
                continue
            form = {
                "access_token": source.credentials.get("access_token", ""),
                "reactions": reaction,
            }
            answer = source.http.send(
                "POST",
                f"{_base(source)}/{descriptor}",
                urlencode(form).encode(),
                "application/x-www-form-urlencoded",
                exchange=source.exchange,
            )
            _check(answer, source.exchange)


def _base(source: Source) -> str:
    return source.options.get("url", DEFAULT_URL).rstrip("/")


def _check(answer: Answer, exchange: str) -> None:
    """A Graph API error names its cause in the body's `error.code`, whatever the status."""
    if answer.status == 200:
        return
    try:
        code = json.loads(answer.body)["error"]["code"]
    except (ValueError, TypeError, KeyError):
        code = None
    if code in TOKEN_CODES:
        raise ExchangeError(
            f"the upstream refused our credentials (HTTP {answer.status}, Graph error {code})",
            exchange=exchange,
        )
    if code in LIMIT_CODES:
        raise ExchangeError(
            f"rate limited by the upstream (HTTP {answer.status}, Graph error {code})",
            exchange=exchange,
            retry_after=answer.headers.get("retry-after"),
        )
    check_status(answer.status, answer.headers, exchange)


def _parse(body: bytes, exchange: str) -> tuple[list[dict[str, Any]], str]:
    bad = partial(malformed, _PAGE, exchange=exchange)
    page = json_page(body, _PAGE, exchange)
    if not isinstance(page, dict) or not isinstance(page.get("data"), list):
        raise bad("no data list")
    paging = page.get("paging") or {}
    after = ""
    if isinstance(paging, dict) and paging.get("next"):
        cursors = paging.get("cursors")
        cursor = cursors.get("after") if isinstance(cursors, dict) else None
        if not isinstance(cursor, str) or not cursor or len(cursor) > 1000:
            raise bad("a next page without an after cursor")
        after = cursor
    for record in page["data"]:
        if (
            not isinstance(record, dict)
            or not isinstance(record.get("indicator"), str)
            or not isinstance(record.get("type"), str)
            or not isinstance(record.get("should_delete"), bool)
            or not str(record.get("last_updated", "")).isdigit()
        ):
            raise bad("a record without indicator, type, should_delete or last_updated")
    return page["data"], after


def _update(record: dict[str, Any]) -> Update:
    descriptors = record.get("descriptors")
    listed = descriptors.get("data") if isinstance(descriptors, dict) else None
    listed = [d for d in listed if isinstance(d, dict)] if isinstance(listed, list) else []
    signal_type = SIGNAL_TYPES.get(record["type"], f"te:{record['type'][:40]}")
    if record["should_delete"] or not listed:
        return Update(signal_type, record["indicator"], removed=True)
    ids = ",".join(str(d.get("id")) for d in listed if str(d.get("id", "")).isdigit())
    tags = {
        t
        for d in listed
        for t in (d.get("tags") or [])
        if isinstance(t, str) and 0 < len(t) <= MAX_LABEL_LENGTH and not has_control(t)
    }
    return Update(
        signal_type,
        record["indicator"],
        upstream_id=ids[:MAX_UPSTREAM_CHARS].rpartition(",")[0]
        if len(ids) > MAX_UPSTREAM_CHARS
        else ids or None,
        labels=tuple(sorted(tags)[:MAX_LABELS]),
    )
