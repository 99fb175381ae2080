"""The `safeguarding` kind: another Safeguarding instance's signed feed of one bank
(`GET /v1/feeds/{bank}/changes`), followed by its cursor, every page's Ed25519 signature
checked against the publisher's pinned key. A page of a `self_report` bank labels each of
its hashes `self-report` (banks.model.SELF_REPORTED), so they never enter the confirmed
bank here (selfreport/provenance.py)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from safeguarding.banks.model import SELF_REPORTED, BankSource, is_bank_name
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
)
from safeguarding.feeds.signing import (
    KEY_HEADER,
    PREVIOUS_KEY_HEADER,
    ROTATION_HEADER,
    ROTATION_LABEL,
    SIGNATURE_HEADER,
    fingerprint,
    verify,
)

#: the most changes a publisher serves a page (feeds/publisher.py MAX_PAGE, in every version)
PUBLISHER_PAGE = 10_000
_OPS = frozenset(("add", "remove"))
#: a publisher key's fingerprint: the SHA-256 of its 32 raw bytes, in hex
FINGERPRINT = re.compile(r"[0-9a-f]{64}")


class FeedExchange(ExchangeKind):
    name = "safeguarding"
    description = "another Safeguarding instance's signed feed of one of its banks"
    counts_blocks = True
    options = (
        Option("url", "the publisher's base URL, e.g. https://hotline.example", required=True),
        Option("feed", "the publisher's bank name", required=True),
        Option(
            "fingerprint",
            "the publisher's key fingerprint (64 hex digits, from "
            "`safeguarding feed key`); unset: pinned at the first fetch",
        ),
        Option(
            "token", "the API key the publisher granted this subscriber", required=True, secret=True
        ),
    )

    @classmethod
    def check(cls, options: dict[str, str], *, remote_only: bool = False) -> None:
        parts = urlsplit(options["url"])
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidInputError("options", "url must be http(s)://host[:port][/prefix]")
        if not is_bank_name(options["feed"]):
            raise InvalidInputError("options", "feed must be a bank name")
        fingerprint = options.get("fingerprint")
        if fingerprint is not None and not FINGERPRINT.fullmatch(fingerprint):
            raise InvalidInputError("options", "fingerprint must be 64 lowercase hex digits")

    @classmethod
    def takes_feedback(cls, options: dict[str, str], credentials: list[str]) -> bool:
        return True

    @classmethod
    def send_feedback(cls, source: Source, feedback: Feedback) -> None:
        """The publisher's outcomes endpoint, one report per outcome named by its key (the
        publisher replaces a report it already has: a retry counts once, and a reviewer's
        verdict on a match blocked without review replaces the block's report)."""
        base = source.options["url"].rstrip("/")
        wrong = feedback.verdict is Verdict.FALSE_POSITIVE
        answer = source.http.post_json(
            f"{base}/v1/feeds/{source.options['feed']}/outcomes",
            {
                "period": feedback.key,
                "outcomes": [
                    {
                        "signal_type": feedback.signal_type,
                        "value": feedback.value,
                        "matched": 1,
                        "removed": int(not wrong),
                        "false_positive": int(wrong),
                    }
                ],
            },
            exchange=source.exchange,
            headers={"Authorization": f"Bearer {source.credentials.get('token', '')}"},
        )
        check_status(answer.status, answer.headers, source.exchange)

    @classmethod
    def pages(cls, source: Source, checkpoint: dict[str, Any] | None) -> Iterator[Page]:
        """The publisher's pages (at most PUBLISHER_PAGE changes each, the most a publisher
        serves), each verified as it arrives, applied source.page_size changes at a time: a
        transaction per fetcher page rather than per 10,000 (commits dominate a catch-up),
        the checkpoint the cursor after the last page in it."""
        position = dict(checkpoint or {})
        cursor = int(position.get("cursor", 0))
        pinned = position.get("fingerprint") or source.options.get("fingerprint")
        url = f"{source.options['url'].rstrip('/')}/v1/feeds/{source.options['feed']}/changes"
        headers = {"Authorization": f"Bearer {source.credentials.get('token', '')}"}
        limit = str(min(source.page_size, PUBLISHER_PAGE))
        updates: list[Update] = []
        more = True
        while more:
            answer = source.http.get(
                url,
                exchange=source.exchange,
                headers=headers,
                params={"cursor": str(cursor), "limit": limit},
            )
            check_status(answer.status, answer.headers, source.exchange)
            pinned = _verified(answer.headers, answer.body, pinned, source.exchange)
            cursor, more, changes = _parse(
                answer.body, source.options["feed"], cursor, source.exchange
            )
            updates += changes
            if len(updates) >= source.page_size or not more:
                yield Page(updates, {"cursor": cursor, "fingerprint": pinned})
                updates = []


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = {k.lower(): v for k, v in headers.items()}
    return lowered.get(name.lower())


def _key(headers: Mapping[str, str], name: str, exchange: str) -> bytes:
    value = _header(headers, name)
    try:
        raw = base64.b64decode(value or "", validate=True)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise ExchangeError(f"the page's {name} header is not an Ed25519 key", exchange=exchange)
    return raw


def _verified(headers: Mapping[str, str], body: bytes, pinned: str | None, exchange: str) -> str:
    """The fingerprint to pin after this page, or ExchangeError: a signature that does not
    verify, a key other than the pinned one without a rotation signed by the pinned one."""
    raw = _key(headers, KEY_HEADER, exchange)
    if not verify(raw, _header(headers, SIGNATURE_HEADER) or "", body):
        raise ExchangeError(
            "the page's signature does not verify: refused, nothing applied", exchange=exchange
        )
    current = fingerprint(raw)
    if pinned is None or current == pinned:
        return current
    previous = (
        _key(headers, PREVIOUS_KEY_HEADER, exchange)
        if _header(headers, PREVIOUS_KEY_HEADER)
        else None
    )
    if previous is None or fingerprint(previous) != pinned:
        raise ExchangeError(
            f"the publisher's key {current[:16]}... is not the pinned key "
            f"{pinned[:16]}... and no rotation signed by the pinned key came "
            "with it: refused, nothing applied",
            exchange=exchange,
        )
    if not verify(previous, _header(headers, ROTATION_HEADER) or "", ROTATION_LABEL + raw):
        raise ExchangeError(
            "the key rotation's signature by the pinned key does not verify", exchange=exchange
        )
    return current


def _parse(body: bytes, feed: str, cursor: int, exchange: str) -> tuple[int, bool, list[Update]]:
    """(next cursor, more, the changes as updates), or ExchangeError for a malformed page."""

    def bad(why: str) -> ExchangeError:
        return ExchangeError(
            f"a malformed page ({why}): refused, nothing applied", exchange=exchange
        )

    try:
        page = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise bad("not JSON") from None
    if not isinstance(page, dict) or page.get("format") != 1:
        raise bad("not format 1")
    if page.get("feed") != feed or page.get("cursor") != cursor:
        raise bad("another feed or cursor than asked for")
    after, more, changes = page.get("next_cursor"), page.get("more"), page.get("changes")
    if not isinstance(after, int) or isinstance(after, bool) or after < cursor:
        raise bad("next_cursor")
    if not isinstance(more, bool) or not isinstance(changes, list):
        raise bad("more or changes")
    if not isinstance(page.get("source", ""), str):
        raise bad("source")
    if more and after == cursor:  # an honest publisher always moves on: never loop
        raise bad("more pages promised but the cursor did not move")
    # a self-report feed's hashes are labelled so, and never enter a confirmed bank
    extra = (SELF_REPORTED,) if page.get("source") == BankSource.SELF_REPORT else ()
    updates: list[Update] = []
    for change in changes:  # one pass: checked and converted (a catch-up reads millions)
        if not isinstance(change, dict):
            raise bad("a change that is not an object")
        op, signal_type, value = change.get("op"), change.get("signal_type"), change.get("value")
        upstream_id, labels = change.get("id"), change.get("labels") or []
        if (
            op not in _OPS
            or not isinstance(signal_type, str)
            or not isinstance(value, str)
            or not isinstance(upstream_id, str | None)
            or not isinstance(labels, list)
            or (labels and not all(isinstance(x, str) for x in labels))
        ):
            raise bad("a change without op, signal_type, value, id or labels")
        updates.append(Update(signal_type, value, upstream_id, (*labels, *extra), op == "remove"))
    return after, more, updates
