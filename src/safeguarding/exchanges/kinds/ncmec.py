"""The `ncmec` kind: NCMEC's hash-sharing API (v2), as NCMEC's documentation
(report.cybertip.org/hashsharing/v2/documentation.pdf) and python-threatexchange's client
describe it. XML, HTTP basic authentication.

`GET {url}/v2/entries?from=T0&to=T1` answers a `queryResult` with `images` and `videos`,
each holding `image`/`video` entries (`id`, `member id=`, `classification`, `fingerprints`
with `md5`, `sha1`, `pdna`, `pdq` ...) and `deletedImage`/`deletedVideo` tombstones that
name only the entry (`id`, `member`); `paging/next` is the path of the next page within the
same range (`/v2/entries?from=..&to=..&start=..&size=..&max=..`). NCMEC does not return a
range in time order, so the range is fixed when a pass starts and the page path is what
resumes it: the checkpoint is the range and the next page's path; when a pass ends the next
starts from its `to` (inclusive, so an entry stamped in that second is read twice rather
than missed: applying it again changes nothing).

A tombstone withdraws the hashes the entry `member/id` listed (one entry can carry several),
except those another entry still lists (exchanges/listings.py). `md5` and `pdq` are ours,
`sha256` too if NCMEC ever sends it; the others (`sha1`, `pdna`, `netclean`, `videntifier`,
`tmk-pdqf` ...) are counted and skipped.
XML is read by exchanges/safexml.py: a DTD or an entity is refused, nothing is fetched.

Feedback (`feedback=on`): `PUT {url}/v2/entries/{member}/{id}/{MD5|PDQ}/feedback` with a
`feedbackSubmission`: `affirmative` (a reviewer confirmed it) or `negative` with a reason's
guid (`downvote_reason`, else the only reason `GET {url}/v2/feedback/{TYPE}/reasons` offers).
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit
from xml.etree.ElementTree import Element, SubElement, tostring

from safeguarding.errors import ExchangeError, InvalidInputError
from safeguarding.exchanges.http import check_status
from safeguarding.exchanges.kinds.base import (
    ExchangeKind,
    Feedback,
    Option,
    Page,
    Source,
    Update,
    Verdict,
    check_web_url,
    malformed,
)
from safeguarding.exchanges.safexml import XmlRefused, parse

DEFAULT_URL = "https://report.cybertip.org/hashsharing"
NAMESPACE = "https://hashsharing.ncmec.org/hashsharing/v2"
SIGNAL_TYPES = {"md5": "md5", "pdq": "pdq", "sha256": "sha256"}
#: our signal type -> NCMEC's fingerprint type in the feedback path
FEEDBACK_TYPES = {"md5": "MD5", "pdq": "PDQ"}
ENTRY_TAGS = {"image", "video"}
DELETED_TAGS = {"deletedImage", "deletedVideo"}
MAX_NEXT_CHARS = 2000
_STAMP = "%Y-%m-%dT%H:%M:%SZ"
_GUID = re.compile(r"[0-9A-Fa-f-]{8,64}")
#: what the upstream calls a page, in errors
_PAGE = "NCMEC entries page"


class Ncmec(ExchangeKind):
    name = "ncmec"
    description = "NCMEC's hash-sharing API (XML entries and deletions), votes as feedback"
    options = (
        Option("url", f"the environment's base URL (default {DEFAULT_URL})"),
        Option("username", "the hash-sharing API user", required=True, secret=True),
        Option("password", "its password", required=True, secret=True),
        Option("feedback", "on: send reviewers' verdicts as up/down votes (default off)"),
        Option("downvote_reason", "the reason guid sent with a downvote (default: the only one)"),
    )

    @classmethod
    def check(cls, options: dict[str, str], *, remote_only: bool = False) -> None:
        check_web_url(options.get("url", DEFAULT_URL))
        if options.get("feedback", "off") not in ("on", "off"):
            raise InvalidInputError("options", "feedback must be on or off")
        reason = options.get("downvote_reason")
        if reason is not None and not _GUID.fullmatch(reason):
            raise InvalidInputError("options", "downvote_reason must be a guid")

    @classmethod
    def takes_feedback(cls, options: dict[str, str], credentials: list[str]) -> bool:
        return options.get("feedback") == "on"

    @classmethod
    def pages(cls, source: Source, checkpoint: dict[str, Any] | None) -> Iterator[Page]:
        position = dict(checkpoint or {})
        start = int(position.get("from", 0))
        # a pass in progress keeps its range: the next page's path is only valid within it
        end = int(position.get("to") or time.time())
        following = str(position.get("next", ""))
        base = _base(source)
        while True:
            if following:
                path, params = _next_page(following, source.exchange)
            else:
                path, params = "/v2/entries", [("from", _stamp(start)), ("to", _stamp(end))]
            answer = source.http.get(
                base + path, exchange=source.exchange, headers=_auth(source), params=dict(params)
            )
            check_status(answer.status, answer.headers, source.exchange)
            updates, following = _read(answer.body, source.exchange)
            if following:
                yield Page(updates, {"from": start, "to": end, "next": following}, listings=True)
                continue
            yield Page(updates, {"from": end, "next": ""}, listings=True)
            return

    @classmethod
    def send_feedback(cls, source: Source, feedback: Feedback) -> None:
        fingerprint = FEEDBACK_TYPES.get(feedback.signal_type)
        member, _, entry = (feedback.upstream_id or "").partition("/")
        if fingerprint is None or not member or not entry:
            return  # NCMEC takes votes on MD5 and PDQ fingerprints of an entry it named
        if feedback.verdict not in (Verdict.CONFIRMED, Verdict.FALSE_POSITIVE):
            return  # a vote is a person's verdict, nothing else
        root = Element("feedbackSubmission", {"xmlns": NAMESPACE})
        if feedback.verdict is Verdict.CONFIRMED:
            SubElement(root, "affirmative")
        else:
            reason = source.options.get("downvote_reason") or _only_reason(source, fingerprint)
            guids = SubElement(SubElement(root, "negative"), "reasonIds")
            SubElement(guids, "guid").text = reason
        path = f"/v2/entries/{quote(member, safe='')}/{quote(entry, safe='')}/{fingerprint}"
        answer = source.http.send(
            "PUT",
            _base(source) + path + "/feedback",
            tostring(root, encoding="utf-8"),
            "application/xml; charset=utf-8",
            exchange=source.exchange,
            headers=_auth(source),
        )
        check_status(answer.status, answer.headers, source.exchange)


def _base(source: Source) -> str:
    return source.options.get("url", DEFAULT_URL).rstrip("/")


def _auth(source: Source) -> dict[str, str]:
    pair = f"{source.credentials.get('username', '')}:{source.credentials.get('password', '')}"
    return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}


def _stamp(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime(_STAMP)


def _next_page(following: str, exchange: str) -> tuple[str, list[tuple[str, str]]]:
    """The next page's path and query, which must stay on the configured API: a path that
    names another host or another endpoint is refused (it would receive our credentials)."""
    parts = urlsplit(following)
    if (
        len(following) > MAX_NEXT_CHARS
        or parts.scheme
        or parts.netloc
        or not parts.path.startswith("/")
        or not parts.path.endswith("/entries")
        or ".." in parts.path
    ):
        raise malformed(_PAGE, "paging/next is not an entries path on this API", exchange)
    return parts.path, parse_qsl(parts.query, keep_blank_values=True)


def _read(body: bytes, exchange: str) -> tuple[list[Update], str]:
    """The page's updates and the next page's path ('' at the end)."""
    try:
        root = parse(body)
    except XmlRefused as exc:
        raise malformed(_PAGE, str(exc), exchange) from None
    if root.tag != "queryResult":
        raise malformed(_PAGE, f"root element {root.tag[:40]!r}, not queryResult", exchange)
    updates: list[Update] = []
    for section in ("images", "videos"):
        for part in root.findall(section):
            for item in part:
                updates.extend(_entry(item, exchange))
    following = (root.findtext("paging/next") or "").strip()
    if following:
        _next_page(following, exchange)  # refused with its page, not stored to fail later
    return updates, following


def _entry(item: Element, exchange: str) -> list[Update]:
    entry, member = (item.findtext("id") or "").strip(), item.find("member")
    member_id = (member.get("id") or "").strip() if member is not None else ""
    if item.tag not in ENTRY_TAGS | DELETED_TAGS or not entry or not member_id.isdigit():
        raise malformed(_PAGE, f"an {item.tag[:40]!r} without an id or member id", exchange)
    upstream = f"{member_id}/{entry}"
    if item.tag in DELETED_TAGS:
        return [Update.withdrawn(upstream)]
    classification = (item.findtext("classification") or "").strip()
    labels = (f"ncmec:{classification}",) if classification else ()
    updates = []
    for fingerprint in item.findall("fingerprints/*"):
        value = (fingerprint.text or "").strip()
        if not value:  # large fingerprints are links (`href`), not values: skipped
            updates.append(Update(f"ncmec:{fingerprint.tag[:40]}", "-", upstream))
            continue
        ours = SIGNAL_TYPES.get(fingerprint.tag, f"ncmec:{fingerprint.tag[:40]}")
        updates.append(Update(ours, value, upstream, labels))
    return updates


def _only_reason(source: Source, fingerprint: str) -> str:
    answer = source.http.get(
        f"{_base(source)}/v2/feedback/{fingerprint}/reasons",
        exchange=source.exchange,
        headers=_auth(source),
    )
    check_status(answer.status, answer.headers, source.exchange)
    try:
        reasons = [r.get("guid", "") for r in parse(answer.body).iter("reason")]
    except XmlRefused as exc:
        raise ExchangeError(f"NCMEC's feedback reasons: {exc}", exchange=source.exchange) from None
    if len(reasons) != 1 or not _GUID.fullmatch(reasons[0]):
        raise ExchangeError(
            f"NCMEC offers {len(reasons)} downvote reasons for {fingerprint}: "
            "set the exchange's downvote_reason option to one of them",
            exchange=source.exchange,
        )
    return reasons[0]
